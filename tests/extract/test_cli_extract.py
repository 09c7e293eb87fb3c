"""`liasse extract`: the JSON line contract, the table, missing files, usage errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from typer.testing import CliRunner

from liasse.cli import extract_run
from liasse.cli import messages as msg
from liasse.cli.extract import register
from liasse.cli.extract_run import ExtractRequest, plain_extract_request
from liasse.domain.extraction import FIELD_NAMES
from processes import python_lines

TOP_KEYS = {"file", "sha256", "layer", "einvoice", "document_type", "fields", "confidence",
            "warnings", "errors", "seconds"}
EXPECTED_FIELDS = {"supplier_name", "supplier_vat_id", "supplier_siren", "supplier_siret",
                   "supplier_iban", "supplier_domain", "customer_name", "customer_vat_id",
                   "invoice_number", "issue_date", "due_date", "currency", "net_amount",
                   "tax_amount", "total_amount", "payment_reference"}


def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps `extract` a named subcommand
        """Nothing."""

    return app


def small_invoice(path: Path) -> Path:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    sheet.setFont("Helvetica", 10)
    for y, text in ((800, "Garage Blanc SAS"), (780, "FACTURE"), (760, "Facture n° FA-12"),
                    (600, "Total HT   100,00 €"), (585, "TVA 20 %   20,00 €"),
                    (570, "Total TTC   120,00 €")):
        sheet.drawString(40, y, text)
    sheet.save()
    path.write_bytes(buffer.getvalue())
    return path


def test_json_lines_follow_the_contract_exactly(tmp_path: Path) -> None:
    pdf = small_invoice(tmp_path / "a.pdf")
    missing = tmp_path / "missing.pdf"
    result = CliRunner().invoke(cli(), ["extract", str(pdf), str(missing), "--json"])
    assert result.exit_code == 1, result.output  # one file could not be read
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    for line in lines:
        assert set(line) == TOP_KEYS
        assert set(line["fields"]) == EXPECTED_FIELDS == set(FIELD_NAMES)
        for field in line["fields"].values():
            assert set(field) == {"value", "confidence", "evidence"}
            assert 0.0 <= field["confidence"] <= 1.0
    first, second = lines
    assert first["file"] == str(pdf) and first["layer"] == "text"
    assert first["fields"]["total_amount"]["value"] == "120.00"
    assert first["einvoice"] is None and isinstance(first["seconds"], float)
    assert second["file"] == str(missing) and "not found" in second["errors"][0]
    assert second["confidence"] == 0.0


def test_without_json_a_table_is_printed(tmp_path: Path) -> None:
    pdf = small_invoice(tmp_path / "a.pdf")
    result = CliRunner().invoke(cli(), ["extract", str(pdf), "--no-einvoice", "--ocr", "never"])
    assert result.exit_code == 0, result.output
    assert "total_amount" in result.stdout and "120.00" in result.stdout


def test_usage_errors_exit_non_zero(tmp_path: Path) -> None:
    pdf = small_invoice(tmp_path / "a.pdf")
    assert CliRunner().invoke(cli(), ["extract", str(pdf), "--ocr", "sometimes"]).exit_code != 0
    assert CliRunner().invoke(cli(), ["extract"]).exit_code != 0


def test_a_file_that_cannot_be_read_prints_only_its_error_and_exits_1(tmp_path: Path) -> None:
    pdf = small_invoice(tmp_path / "a.pdf")
    (tmp_path / "notes.pdf").write_text("a text file renamed .pdf\n")
    (tmp_path / "empty.pdf").write_bytes(b"")
    unreadable = [tmp_path / "notes.pdf", tmp_path / "empty.pdf", tmp_path / "missing.pdf"]
    for path in unreadable:
        result = CliRunner().invoke(cli(), ["extract", str(path)])
        assert result.exit_code == 1, result.output
        assert result.stdout == ""  # no empty 16-row table
        assert result.stderr.startswith(f"error: {path}: ")
    both = CliRunner().invoke(cli(), ["extract", str(pdf), *map(str, unreadable)])
    assert both.exit_code == 1
    assert both.stdout.count("total_amount") == 1  # the readable file's table only
    assert both.stderr.count("error: ") == 3
    lines = CliRunner().invoke(cli(), ["extract", "--json", *map(str, unreadable)])
    assert lines.exit_code == 1
    assert [json.loads(line)["errors"] != [] for line in lines.stdout.splitlines()] == [
        True, True, True]


def test_names_and_values_from_outside_reach_the_terminal_escaped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file name (or a value read from a page) with a control character would rewrite
    the terminal's title or hide lines: the table and the error lines escape it."""
    monkeypatch.chdir(tmp_path)  # a short name: a long one is wrapped in the table's title
    missing = tmp_path / "scan\x1b]0;owned\x07.pdf"
    result = CliRunner().invoke(cli(), ["extract", str(missing)])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "scan\\x1b]0;owned\\x07.pdf" in result.stderr
    small_invoice(tmp_path / "name\x1b[2Jx.pdf")
    table = CliRunner().invoke(cli(), ["extract", "name\x1b[2Jx.pdf"])
    assert table.exit_code == 0 and "total_amount" in table.stdout
    assert "\x1b" not in table.stdout and "\\x1b[2Jx" in table.stdout


@pytest.mark.parametrize(("argv", "expected"), [
    (["extract", "a.pdf"], ExtractRequest([Path("a.pdf")])),
    (["extract", "a.pdf", "--json", "b.xml", "--ocr", "never", "--no-einvoice"],
     ExtractRequest([Path("a.pdf"), Path("b.xml")], as_json=True, no_einvoice=True,
                    ocr="never")),
    (["extract", "--ocr=always", "--workspace=acme", "a=b.pdf"],
     ExtractRequest([Path("a=b.pdf")], ocr="always", workspace="acme")),
])
def test_a_plain_extract_line_is_run_without_typer(argv: list[str],
                                                   expected: ExtractRequest) -> None:
    assert plain_extract_request(argv) == expected


@pytest.mark.parametrize("argv", [
    [], ["status"], ["extract"], ["extract", "--help"], ["extract", "a.pdf", "-h"],
    ["extract", "a.pdf", "--ocr", "sometimes"], ["extract", "a.pdf", "--ocr"],
    ["extract", "a.pdf", "--ocr", "--json"], ["extract", "a.pdf", "--jsn"],
    ["extract", "--", "a.pdf"], ["extract", "-"], ["extract", ""],
    ["extract", "a.pdf", "--json=yes"], ["extract", "a.pdf", "--workspace="],
    ["--help", "extract", "a.pdf"],
])
def test_any_other_line_goes_to_typer(argv: list[str]) -> None:
    assert plain_extract_request(argv) is None


def _liasse(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "liasse", *args], capture_output=True,
                          text=True, check=False, timeout=120)


def _without_seconds(stdout: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in stdout.splitlines()]
    for line in lines:
        line.pop("seconds")
    return lines


def test_the_plain_path_prints_what_the_typer_command_prints(tmp_path: Path) -> None:
    pdf = small_invoice(tmp_path / "a.pdf")
    missing = tmp_path / "missing.pdf"
    plain = _liasse("extract", str(pdf), str(missing), "--json")
    typed = CliRunner().invoke(cli(), ["extract", str(pdf), str(missing), "--json"])
    assert plain.returncode == typed.exit_code == 1
    assert _without_seconds(plain.stdout) == _without_seconds(typed.stdout)
    table = _liasse("extract", str(missing))
    assert (table.returncode, table.stdout) == (1, "")
    assert table.stderr == CliRunner().invoke(cli(), ["extract", str(missing)]).stderr


def test_the_plain_path_never_imports_typer(tmp_path: Path) -> None:
    script = ("import sys\nfrom liasse.cli import main\nsys.argv = ['liasse', 'extract', "
              f"'--json', {str(tmp_path / 'missing.pdf')!r}]\n"
              "try:\n    main()\nexcept SystemExit as exit:\n"
              "    print(exit.code, 'typer' in sys.modules, 'pydantic' in sys.modules)\n")
    assert python_lines(script)[-1] == "1 False False"


def test_typer_still_answers_help_and_usage_errors() -> None:
    assert "--no-einvoice" in _liasse("extract", "--help").stdout
    refused = _liasse("extract", "a.pdf", "--ocr", "sometimes")
    assert refused.returncode == 2 and "sometimes" in refused.stderr


def test_a_failure_on_the_plain_path_is_one_friendly_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(_: ExtractRequest) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(extract_run, "print_results", broken)
    monkeypatch.delenv("LIASSE_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        extract_run.run_plain_extract(["extract", "a.pdf"])
    assert exited.value.code == 1
    assert capsys.readouterr().err == msg.UNEXPECTED.format(
        kind="RuntimeError", detail="disk on fire") + "\n"
    monkeypatch.setenv("LIASSE_DEBUG", "1")  # whoever debugs it gets the trace
    with pytest.raises(RuntimeError):
        extract_run.run_plain_extract(["extract", "a.pdf"])
