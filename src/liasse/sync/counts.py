"""What one run did, counted: the one shape of the window, write-back, matching and bank
reports.

A report is a dataclass of int counts that start at 0. `as_dict` is the JSON a person or a
job result sees (`liasse sync --once --json`, the jobs table); `add` folds what a step
counted into the run's report.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Counts:
    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def add(self, other: Counts, *names: str) -> None:
        """Add `other`'s counts of `names` to this report's counts of the same names."""
        for name in names:
            setattr(self, name, getattr(self, name) + getattr(other, name))
