"""Rich rendering of read models for the terminal: one line per row, at 80 columns too.

Long values are cut with an ellipsis rather than wrapping a row over several lines; the
last column of each table takes what the others leave of the terminal's width.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from liasse.app.reports import StatusReport
from liasse.domain.printable import printable

# Column widths; the last column of a table gets the rest. A terminal this wide or more
# also shows the supplier of each recent document.
WIDTHS: dict[str, int] = {"file": 24, "state": 9, "type": 8, "supplier": 18, "total": 12,
                          "state ": 16, "count": 5, "name": 14, "kind": 11, "status": 15,
                          "last sync": 16}
WIDE = 120
GAP = 2  # between two columns (box.SIMPLE draws no vertical lines)

def cell(value: str | None) -> Text:
    """Outside text as a table cell: control characters escaped, never read as markup."""
    return Text(printable(value or ""))


def _width(console: Console, column: str) -> int:
    """A column's width: file names get the room a wide terminal has."""
    if column == "file" and console.width >= WIDE:
        return max(WIDTHS["file"], (console.width - WIDE) // 2 + WIDTHS["file"])
    return WIDTHS[column]


def _table(console: Console, title: str, *columns: str, fill: bool = True) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True, show_edge=False)
    fixed = [_width(console, column) for column in columns[:-1]]
    rest = max(10, console.width - sum(fixed) - GAP * (len(columns) - 1)) if fill \
        else WIDTHS[columns[-1]]
    for column, width in zip(columns, [*fixed, rest], strict=True):
        table.add_column(column.strip(), width=width, no_wrap=True, overflow="ellipsis",
                         justify="right" if column in ("count", "total") else "left")
    return table


def print_status(report: StatusReport, console: Console | None = None) -> None:
    console = console or Console()
    states = _table(console, f"Documents in {escape(printable(report.workspace))}", "state ",
                    "count", fill=False)
    for state, count in sorted(report.documents_by_state.items()):
        states.add_row(state, str(count))
    console.print(states)
    connections = _table(console, "Connections", "name", "kind", "status", "last sync",
                         "last error")
    for line in report.connections:
        connections.add_row(cell(line.name), line.kind, line.status,
                            line.last_sync_at.strftime("%Y-%m-%d %H:%M") if line.last_sync_at
                            else "never", cell(line.last_error))
    console.print(connections)
    wide = console.width >= WIDE
    columns = ("file", "state", "type", *(("supplier",) if wide else ()), "total", "why")
    recent = _table(console, "Recent documents", *columns)
    for doc in report.recent:
        supplier = (cell(doc.supplier),) if wide else ()
        recent.add_row(cell(doc.file_name), doc.state, doc.document_type.replace("_", " "),
                       *supplier, doc.total or "", cell(doc.reason))
    console.print(recent)
    if report.queue is not None:
        queue = report.queue
        oldest = queue.oldest_waiting.strftime("%Y-%m-%d %H:%M:%S") \
            if queue.oldest_waiting else "-"
        console.print(f"Jobs: {queue.waiting} waiting (oldest since {oldest}), "
                      f"{queue.running} running, {queue.failed} failed; "
                      f"{queue.live_workers} live worker(s)")
