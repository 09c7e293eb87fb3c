"""The `liasse` Typer app: every command, each area's in its own module here.

Heavy imports stay inside the command functions so that `liasse --help` starts fast.
"""

from __future__ import annotations

import typer

from liasse.cli import backfill, connect, core, db, extract, match, privacy, receipts, users
from liasse.cli.errors import FriendlyGroup

app = typer.Typer(
    name="liasse",
    help="Invoice pipeline: cloud folder in, structured invoices out, posted to Qonto.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=FriendlyGroup,
)
core.register(app)
connect.register(app)
extract.register(app)
match.register(app)
receipts.register(app)
backfill.register(app)
users.register(app)
privacy.register(app)
db.register(app)
