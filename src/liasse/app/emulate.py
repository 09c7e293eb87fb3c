"""`liasse emulate`: the Dropbox and Qonto emulators served on their own, for trying
liasse (or another client) without an account."""

from __future__ import annotations

from liasse.emulators.dropbox.serve import serve_dropbox_emulator
from liasse.emulators.qonto.serve import serve_qonto_emulator

__all__ = ["serve_dropbox_emulator", "serve_qonto_emulator"]
