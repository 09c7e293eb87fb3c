"""The application layer: settings and wiring (which implementation serves which port),
the use cases people and schedules start, and the processes that run them.

The CLI and the web app call only this package; it calls down into `sync`, the store,
the connectors and the readers, which know nothing of it.
"""
