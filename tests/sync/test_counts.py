"""The one shape of the run reports: counts in declaration order, folded by name."""

from __future__ import annotations

from liasse.sync.bank_window import BankWindowReport
from liasse.sync.matching import MatchReport
from liasse.sync.steps import WindowCounts
from liasse.sync.writeback import WriteBackCounts


def test_a_report_is_its_counts_in_declaration_order() -> None:
    counts = WindowCounts(discovered=3, posted=1)
    assert list(counts.as_dict()) == ["discovered", "duplicates", "extracted", "refused",
                                      "review", "approved", "posted", "failed", "parked"]
    assert counts.as_dict()["discovered"] == 3 and counts.as_dict()["posted"] == 1


def test_adding_a_step_report_adds_only_the_named_counts() -> None:
    window = WindowCounts(failed=1)
    window.add(WriteBackCounts(written=5, failed=2, parked=1), "failed", "parked")
    assert (window.failed, window.parked, window.posted) == (3, 1, 0)
    bank = BankWindowReport(linked=1)
    bank.add(MatchReport(decisions=9, linked=2, proposed=3, alerts=4, held=5),
             "linked", "proposed", "alerts")
    assert bank.as_dict() == {"inserted": 0, "updated": 0, "failed": 0, "linked": 3,
                              "proposed": 3, "alerts": 4, "exported": 0, "attached": 0}
