"""Where the Dropbox API lives: the real hosts by default, one base URL for the emulator."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DropboxEndpoints:
    api: str = "https://api.dropboxapi.com"
    content: str = "https://content.dropboxapi.com"
    notify: str = "https://notify.dropboxapi.com"
    web: str = "https://www.dropbox.com"

    @classmethod
    def single(cls, base_url: str) -> DropboxEndpoints:
        """Every host on one server, as the emulator serves them."""
        base = base_url.rstrip("/")
        return cls(api=base, content=base, notify=base, web=base)
