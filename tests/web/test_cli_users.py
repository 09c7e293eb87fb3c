"""`liasse users add EMAIL --role owner --password-stdin [--workspace SLUG]`."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from liasse.app.services import initialise, open_services
from liasse.app.settings import Settings
from liasse.cli import users
from liasse.store import web_repo

runner = CliRunner()


def cli() -> typer.Typer:
    app = typer.Typer()
    users.register(app)

    @app.command()
    def other() -> None:  # a second command keeps `users` a sub-command
        """Unused."""

    return app


def test_users_add_creates_an_owner_who_can_log_in(settings: Settings) -> None:
    initialise(settings)
    result = runner.invoke(cli(), ["users", "add", "Ann@Example.com", "--role", "owner",
                                   "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0, result.output
    assert "ann@example.com is owner of workspace default (created)" in result.output
    again = runner.invoke(cli(), ["users", "add", "ann@example.com", "--role", "viewer",
                                  "--password-stdin", "--workspace", "default"],
                          input="another password\n")
    assert "(updated)" in again.output
    services = open_services(settings)
    try:
        with services.sessions() as session:
            user = web_repo.find_user_by_email(session, "ann@example.com")
            assert user is not None and user.password_hash.startswith("$argon2id$")
            assert [(w.slug, w.role) for w in web_repo.workspaces_of_user(session, user.id)] \
                == [("default", "viewer")]
    finally:
        services.close()


def test_users_add_refuses_bad_input(settings: Settings) -> None:
    initialise(settings)
    no_stdin = runner.invoke(cli(), ["users", "add", "a@example.com"])
    assert no_stdin.exit_code != 0 and "--password-stdin" in no_stdin.output
    short = runner.invoke(cli(), ["users", "add", "a@example.com", "--password-stdin"],
                          input="short\n")
    assert short.exit_code != 0 and "at least 8 characters" in short.output
    role = runner.invoke(cli(), ["users", "add", "a@example.com", "--role", "king",
                                 "--password-stdin"], input="a long password\n")
    assert role.exit_code != 0 and "unknown role" in role.output
    missing = runner.invoke(cli(), ["users", "add", "a@example.com", "--password-stdin",
                                    "--workspace", "nope"], input="a long password\n")
    assert missing.exit_code != 0 and "does not exist" in missing.output


def test_users_remove_takes_the_role_away(settings: Settings) -> None:
    initialise(settings)
    runner.invoke(cli(), ["users", "add", "ann@example.com", "--role", "reviewer",
                          "--password-stdin"], input="a long password\n")
    removed = runner.invoke(cli(), ["users", "remove", "ann@example.com"])
    assert removed.exit_code == 0, removed.output
    assert "no longer has a role in workspace default" in removed.output
    again = runner.invoke(cli(), ["users", "remove", "ann@example.com"])
    assert again.exit_code == 1 and "has no role" in again.output
    services = open_services(settings)
    try:
        with services.sessions() as session:
            user = web_repo.find_user_by_email(session, "ann@example.com")
            assert user is not None and web_repo.workspaces_of_user(session, user.id) == []
    finally:
        services.close()
