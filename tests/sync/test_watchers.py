"""The instant watchers follow the connections at each refresh: started for a connection
made in instant mode, replaced when its folder changes, stopped when it is disconnected
or put back to regular windows, restarted (not at every tick) when one ended by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liasse.app import connections
from liasse.app.services import Services, initialise, open_services
from liasse.app.settings import load_settings
from liasse.app.watchers import RESTART_AFTER, InstantWatchers
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState, EmulatorConfig

TOKEN = "watchers-token"


@pytest.fixture
def services(clean_environment: Path) -> Iterator[Services]:
    # Longpolls return quickly, so a stopped watcher ends within the test.
    state = DropboxState(EmulatorConfig(longpoll_max_wait=0.2), token=TOKEN)
    state.create_folder("/Invoices")
    state.create_folder("/Other")
    with running_emulator(state) as base_url:
        settings = load_settings(qonto={"mode": "off"}, dropbox={"base_url": base_url})
        initialise(settings)
        services = open_services(settings)
        yield services
        services.close()


def connect(services: Services, folder: str = "/Invoices", *, instant: bool = True) -> str:
    return connections.connect_dropbox_with_token(
        services, connections.DropboxTarget("dropbox", folder, instant=instant), TOKEN)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_watchers_follow_connect_change_and_disconnect(services: Services) -> None:
    watchers = InstantWatchers(services, lambda slug, connection_id: None)
    watchers.refresh()
    assert watchers.watching() == set()

    connection_id = connect(services)
    watchers.refresh()
    assert watchers.watching() == {connection_id}
    first = watchers._watches[connection_id]

    connect(services, "/Other")  # another folder: a new watcher, the old one told to stop
    watchers.refresh()
    second = watchers._watches[connection_id]
    assert second is not first and first.stop.is_set() and not second.stop.is_set()

    connect(services, "/Other", instant=False)  # back to regular windows
    watchers.refresh()
    assert watchers.watching() == set() and second.stop.is_set()

    connect(services, "/Other")
    watchers.refresh()
    third = watchers._watches[connection_id]
    assert connections.disconnect(services, "dropbox")
    watchers.refresh()
    assert watchers.watching() == set() and third.stop.is_set()
    watchers.stop_all()


def test_a_watcher_that_ended_is_started_again_only_after_a_pause(services: Services) -> None:
    clock = Clock()
    watchers = InstantWatchers(services, lambda slug, connection_id: None, clock=clock)
    connection_id = connect(services)
    watchers.refresh()
    ended = watchers._watches[connection_id]
    ended.stop.set()  # as when Dropbox refused the token: the watcher's loop returns
    ended.thread.join(60)
    assert not ended.thread.is_alive()

    clock.now += RESTART_AFTER / 2
    watchers.refresh()
    assert watchers._watches[connection_id] is ended  # not hammered at every tick
    clock.now += RESTART_AFTER
    watchers.refresh()
    assert watchers._watches[connection_id] is not ended
    assert watchers.watching() == {connection_id}
    watchers.stop_all()


def test_stop_all_tells_every_watcher_to_stop(services: Services) -> None:
    watchers = InstantWatchers(services, lambda slug, connection_id: None)
    connection_id = connect(services)
    watchers.refresh()
    watch = watchers._watches[connection_id]
    watchers.stop_all()
    assert watch.stop.is_set() and watchers.watching() == set()
    watch.thread.join(10)
    assert not watch.thread.is_alive()
