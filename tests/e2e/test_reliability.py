"""The reliability run (issue 8): faults and SIGKILLs, then nothing lost, nothing twice.

Two runs of the harness in `reliability.py`, about 2 minutes together on 2 cores:
- the main run, write-back off: 20 % faults on both emulators, an expired token, a cursor
  reset and three SIGKILLs of `liasse run`;
- a short fault-free run with write-back on: processed copies must not come back in.
"""

from __future__ import annotations

import re

import pytest
from reliability import RunConfig, RunReport, run_reliability

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

LAST_LINE = re.compile(r"files \d+ faults \d+ kills \d+ lost \d+ duplicated \d+")


def explain(report: RunReport) -> str:
    return "\n".join([report.last_line(), f"states {report.states}", *report.problems[:40]])


def test_faults_and_kills_lose_nothing_and_post_nothing_twice() -> None:
    report = run_reliability(RunConfig(files=24, kills=3, chaos_seconds=30, settle_timeout=45,
                                       write_back=False))
    assert LAST_LINE.fullmatch(report.last_line())
    assert report.kills == 3 and report.faults > 10
    assert (report.lost, report.duplicated) == (0, 0), explain(report)
    assert report.posted > 0, explain(report)  # the run really went through to Qonto
    assert report.problems == [], explain(report)


def test_write_back_does_not_post_an_invoice_twice() -> None:
    # Settling returns as soon as every document rests, so a long timeout costs nothing on a
    # quiet machine; 20 s was too short on a loaded one (a document still approved counted lost).
    report = run_reliability(RunConfig(files=4, confident_share=1.0, kills=0, fault_rate=0.0,
                                       chaos_seconds=4, settle_timeout=90, write_back=True))
    assert report.posted > 0, explain(report)
    assert (report.lost, report.duplicated) == (0, 0), explain(report)
