"""The failures whose message is the whole story for a person (not set up, service
running, port taken, unknown connection, refused key, a connector's refusal, …): the CLI
prints them as one line, and anything else as an unexpected error with a hint."""

from __future__ import annotations

from liasse.app.connections import NoSuchConnection
from liasse.app.listen import PortBusy
from liasse.app.lock import ServiceAlreadyRunning
from liasse.app.services import NotInitialised, NoWorkspace

# The connectors' own trees, for callers that tell a person which service refused.
from liasse.connectors.dropbox.errors import DropboxError as DropboxError
from liasse.connectors.qonto.errors import QontoError as QontoError
from liasse.domain.errors import StepFailure
from liasse.emulators.qonto.embedded import SandboxError
from liasse.store.secrets import SecretDecryptionError, SecretKeyError

EXPECTED: tuple[type[BaseException], ...] = (
    NotInitialised, NoWorkspace, NoSuchConnection, ServiceAlreadyRunning, PortBusy,
    SandboxError, SecretKeyError, SecretDecryptionError, DropboxError, QontoError,
    StepFailure, OSError, ValueError, LookupError)
