"""Rich rendering of read models for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from liasse.domain.printable import printable
from liasse.reports import StatusReport


def cell(value: str | None) -> Text:
    """Outside text as a table cell: control characters escaped, never read as markup."""
    return Text(printable(value or ""))


def print_status(report: StatusReport) -> None:
    console = Console()
    states = Table(title=f"Documents in {report.workspace}")
    states.add_column("state")
    states.add_column("count", justify="right")
    for state, count in sorted(report.documents_by_state.items()):
        states.add_row(state, str(count))
    console.print(states)
    connections = Table(title="Connections")
    for column in ("name", "kind", "status", "last sync", "last error"):
        connections.add_column(column)
    for line in report.connections:
        connections.add_row(cell(line.name), line.kind, line.status,
                            line.last_sync_at.isoformat(timespec="seconds") if line.last_sync_at
                            else "never", cell(line.last_error))
    console.print(connections)
    recent = Table(title="Recent documents")
    for column in ("file", "state", "supplier", "number", "total", "why"):
        recent.add_column(column, overflow="fold")
    for doc in report.recent:
        recent.add_row(cell(doc.file_name), doc.state, cell(doc.supplier), cell(doc.number),
                       doc.total or "", cell(doc.reason))
    console.print(recent)
