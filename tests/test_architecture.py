"""The layers hold: import-linter's contracts (pyproject.toml) pass on the code, fail on a
copy with an upward import, and no import hides inside a function without saying why."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "liasse"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(source_root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the package found under `source_root`, with the project's
    contracts (only `contracts` when given)."""
    chosen = [arg for contract in contracts for arg in ("--contract", contract)]
    environment = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *chosen, str(ROOT / "pyproject.toml")],
        capture_output=True, text=True, env=environment, cwd=source_root, check=False,
        timeout=300)


def copy_of_package(tmp_path: Path) -> Path:
    shutil.copytree(PACKAGE, tmp_path / "liasse", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_code_keeps_every_contract() -> None:
    result = lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "upward", "contract"), [
    ("domain/money.py", "liasse.app.services", "layers"),
    ("store/repo.py", "liasse.sync.pipeline", "layers"),
    ("app/services.py", "liasse.web.app", "layers"),
    ("sync/steps.py", "liasse.connectors.dropbox.client", "sync-on-ports"),
])
def test_an_upward_import_breaks_the_contracts(tmp_path: Path, module: str, upward: str,
                                               contract: str) -> None:
    copy = copy_of_package(tmp_path)
    target = copy / "liasse" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\nimport {upward}  # noqa\n",
                      encoding="utf-8")
    result = lint_imports(copy, contract)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    dotted = "liasse." + module.removesuffix(".py").replace("/", ".")
    assert f"{dotted} -> {upward}" in result.stdout


def _function_imports(path: Path) -> list[tuple[int, str]]:
    """Imports inside functions whose line (or the line above) gives no reason."""
    lines = path.read_text(encoding="utf-8").splitlines()
    silent = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import | ast.ImportFrom):
                line, above = lines[inner.lineno - 1], lines[inner.lineno - 2]
                said = "#" in line or above.strip().startswith("#")
                grouped = above.strip().startswith(("import ", "from "))  # a block's comment
                if not said and not grouped:
                    silent.append((inner.lineno, line.strip()))
    return silent


def test_no_import_hides_in_a_function_without_a_reason() -> None:
    """Only the CLI defers imports as a rule (its package says why: `liasse --help` starts
    fast); anywhere else a deferred import carries its reason."""
    found = {
        str(path.relative_to(PACKAGE)): silent
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.parts[len(PACKAGE.parts)] not in ("cli",) and "migrations" not in path.parts
        and (silent := _function_imports(path))
    }
    assert found == {}


def test_no_two_packages_import_each_other() -> None:
    """No cycle between liasse's packages (nor between the application's modules)."""
    graph = grimp.build_graph("liasse", cache_dir=None)
    packages = sorted(module for module in graph.modules if module.count(".") == 1
                      or (module.startswith("liasse.app.") and module.count(".") == 2))
    cycles = [(a, b) for a in packages for b in packages if a < b
              and not (b.startswith(a + ".") or a.startswith(b + "."))
              and graph.chain_exists(a, b, as_packages=True)
              and graph.chain_exists(b, a, as_packages=True)]
    assert cycles == []
