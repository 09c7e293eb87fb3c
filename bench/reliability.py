"""The long reliability run (issue 8): more files, more faults, more kills; prints figures.

    uv run python bench/reliability.py [--files 200] [--kills 10] [--seconds 180]
                                       [--seed 8] [--write-back] [--keep DIR]

Same harness as `tests/e2e/test_reliability.py` (`tests/e2e/reliability.py`). The last
line is exactly `files N faults N kills N lost N duplicated N`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

# The harness lives with the e2e tests; put it first so this file does not import itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

# Imported by name at run time: this file has the same module name as the harness.
harness = importlib.import_module("reliability")


def parse() -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=180.0, help="length of the chaos")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--settle", type=float, default=300.0)
    parser.add_argument("--write-back", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="keep the run's folders here")
    args = parser.parse_args()
    return harness.RunConfig(files=args.files, kills=args.kills, chaos_seconds=args.seconds,
                     seed=args.seed, fault_rate=args.fault_rate, settle_timeout=args.settle,
                     write_back=args.write_back, keep_dir=args.keep)


def main() -> None:
    config = parse()
    report = harness.run_reliability(config, echo=print)
    print(f"run took {report.seconds:.0f} s; documents by state {report.states}; "
          f"posted {report.posted}")
    for problem in report.problems:
        print(f"  problem: {problem}")
    print(report.last_line())


if __name__ == "__main__":
    main()
