"""A Dropbox API v2 emulator faithful enough for the official SDK (see docs/dropbox.md).

Public surface: `DropboxState` (one emulated account), `EmulatorConfig`, `create_app`
(the ASGI app), and `serve_dropbox_emulator` in `serve.py` (uvicorn, blocking).
"""

from liasse.emulators.dropbox.app import create_app
from liasse.emulators.dropbox.state import DropboxState, EmulatorConfig

__all__ = ["DropboxState", "EmulatorConfig", "create_app"]
