"""Check that a port is free before anything says "running" on it.

uvicorn binds its own socket (a pre-bound one costs latency, see `emulators/dropbox/serve`),
so the check binds and closes a probe with the same options; a port taken in the
instant between the two still fails loudly, in uvicorn.
"""

from __future__ import annotations

import socket

PORT_BUSY = ("{what}: port {port} on {host} is already in use ({detail}); stop what uses it "
             "or choose another port with {flag}")


class PortBusy(OSError):
    """A port liasse was asked to listen on is taken (or not ours to take)."""


def ensure_port_free(host: str, port: int, *, what: str, flag: str) -> None:
    if port == 0:
        return  # the system picks a free one
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortBusy(PORT_BUSY.format(what=what, port=port, host=host, flag=flag,
                                            detail=exc.strerror or exc)) from exc
