"""`liasse match`: run the pipeline's matcher on files, print one decision per line.

    liasse match --documents DOCS.jsonl --transactions TX.json \\
                 [--workspace-config CONF.toml] --json

DOCS.jsonl holds `liasse extract --json` objects plus an "id" (and optionally
"settled_by": [transaction ids already linked] and "role": payable|sales|confirmation);
TX.json is the body of Qonto's `GET /v2/transactions`. See docs/matching.md for CONF.toml.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from liasse.domain.documents import DocumentFacts
    from liasse.domain.matching.model import MatchConfig, MatchDecision
    from liasse.domain.transactions import BankTransaction

TEXT = {
    "help": "Match documents with bank transactions and print the decisions.",
    "documents": "JSON lines: `liasse extract --json` objects, each with an \"id\".",
    "transactions": "JSON body of Qonto's GET /v2/transactions ({\"transactions\": [...]}).",
    "config": "TOML workspace configuration (own company, tolerances, FX rates, sales).",
    "json": "One JSON object per line instead of a readable table.",
    "bad_line": "{path}, line {line}: {problem}",
    "no_id": "a document needs an \"id\"",
    "bad_transactions": "{path}: expected an object with a \"transactions\" list",
    "bad_transaction": "{path}: transaction {index}: {problem}",
    "bad_config": "{path}: {problem}",
    "nothing": "No decision: no document matches any transaction.",
    "summary": "{count} decision(s): {auto} automatic, {review} for review.",
}


def register(app: typer.Typer) -> None:
    """Add `liasse match` to the given Typer app."""
    app.command("match", help=TEXT["help"])(match_command)


def match_command(
    documents: Annotated[Path, typer.Option("--documents", help=TEXT["documents"],
                                            exists=True, dir_okay=False)],
    transactions: Annotated[Path, typer.Option("--transactions", help=TEXT["transactions"],
                                               exists=True, dir_okay=False)],
    workspace_config: Annotated[Path | None, typer.Option(
        "--workspace-config", help=TEXT["config"], exists=True, dir_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help=TEXT["json"])] = False,
) -> None:
    from liasse.domain.matching.engine import match_transactions

    config = load_match_config(workspace_config) if workspace_config else _default_config()
    facts, settled, roles = read_documents(documents, config)
    lines = read_transactions(transactions)
    decisions = match_transactions(facts, lines, config, settled=settled, roles=roles)
    if as_json:
        for decision in decisions:
            typer.echo(json.dumps(decision.to_json(), ensure_ascii=False))
    else:
        _print_table(decisions)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=2)


def _default_config() -> MatchConfig:
    from liasse.domain.matching.model import MatchConfig

    return MatchConfig()


def read_documents(path: Path, config: MatchConfig) -> tuple[
        list[DocumentFacts], dict[str, list[str]], dict[str, str]]:
    """Facts per line, plus the already-settled links and forced roles some lines carry."""
    from liasse.domain.documents import facts_from_extraction
    from liasse.domain.extraction import ExtractionResult

    facts: list[DocumentFacts] = []
    settled: dict[str, list[str]] = {}
    roles: dict[str, str] = {}
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            document_id = str(data["id"]) if data.get("id") not in (None, "") else None
        except (json.JSONDecodeError, AttributeError) as error:
            raise _fail(TEXT["bad_line"].format(path=path, line=number, problem=error)) from error
        if document_id is None:
            raise _fail(TEXT["bad_line"].format(path=path, line=number, problem=TEXT["no_id"]))
        facts.append(facts_from_extraction(ExtractionResult.from_json(data), document_id,
                                           config.fx_rates))
        if data.get("settled_by"):
            settled[document_id] = [str(tx_id) for tx_id in data["settled_by"]]
        if data.get("role"):
            roles[document_id] = str(data["role"])
    return facts, settled, roles


def read_transactions(path: Path) -> list[BankTransaction]:
    from liasse.domain.transactions import from_qonto

    try:
        body = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as error:
        raise _fail(TEXT["bad_config"].format(path=path, problem=error)) from error
    if not isinstance(body, dict) or not isinstance(body.get("transactions"), list):
        raise _fail(TEXT["bad_transactions"].format(path=path))
    lines = []
    for index, raw in enumerate(body["transactions"]):
        try:
            lines.append(from_qonto(raw))
        except (KeyError, ValueError, TypeError) as error:
            raise _fail(TEXT["bad_transaction"].format(path=path, index=index,
                                                       problem=error)) from error
    return lines


def load_match_config(path: Path) -> MatchConfig:
    """MatchConfig from CONF.toml; unknown or malformed values stop with a clear message."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text("utf-8"))
        return match_config_from_mapping(data)
    except (tomllib.TOMLDecodeError, ValueError, TypeError, InvalidOperation) as error:
        raise _fail(TEXT["bad_config"].format(path=path, problem=error)) from error


def _strings(section: dict[str, Any], key: str) -> tuple[str, ...]:
    value = section.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list of strings")
    return tuple(str(item) for item in value)


def match_config_from_mapping(data: dict[str, Any]) -> MatchConfig:
    from liasse.domain.matching.fx import FxRates
    from liasse.domain.matching.model import MatchConfig
    from liasse.domain.money import Money
    from liasse.domain.suppliers import OwnCompany

    currency = str(data.get("account_currency", "EUR")).upper()
    own = data.get("own_company", {})
    matching = data.get("matching", {})
    sales = data.get("sales", {})
    rates = {str(code).upper(): Decimal(str(rate))
             for code, rate in data.get("fx_rates", {}).items()}
    known = {"days_before", "days_after", "fee_cap", "fx_tolerance", "clear_days",
             "auto_margin", "review_from", "double_charge_days", "confirmation_days"}
    unknown = set(matching) - known
    if unknown:
        raise ValueError(f"unknown [matching] keys: {', '.join(sorted(unknown))}")
    defaults = MatchConfig()
    return MatchConfig(
        account_currency=currency,
        days_before=int(matching.get("days_before", defaults.days_before)),
        days_after=int(matching.get("days_after", defaults.days_after)),
        fee_cap_minor=Money.parse(str(matching["fee_cap"]), currency).minor
        if "fee_cap" in matching else defaults.fee_cap_minor,
        fx_tolerance=Decimal(str(matching.get("fx_tolerance", defaults.fx_tolerance))),
        clear_days=int(matching.get("clear_days", defaults.clear_days)),
        auto_margin=float(matching.get("auto_margin", defaults.auto_margin)),
        review_from=float(matching.get("review_from", defaults.review_from)),
        double_charge_days=int(matching.get("double_charge_days",
                                            defaults.double_charge_days)),
        confirmation_days=int(matching.get("confirmation_days", defaults.confirmation_days)),
        fx_rates=FxRates(currency, rates),
        own_company=OwnCompany(names=_strings(own, "names"), vat_ids=_strings(own, "vat_ids"),
                               sirens=_strings(own, "sirens"), sirets=_strings(own, "sirets"),
                               ibans=_strings(own, "ibans")),
        sales_document_ids=frozenset(_strings(sales, "document_ids")),
        sales_folders=_strings(sales, "folders"),
    )


def _print_table(decisions: list[MatchDecision]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not decisions:
        console.print(TEXT["nothing"])
        return
    table = Table("band", "kind", "transaction", "documents", "score", "reasons")
    for decision in decisions:
        table.add_row(decision.band, decision.kind, decision.transaction_id,
                      ", ".join(decision.document_ids), f"{decision.score:.2f}",
                      "\n".join(decision.reasons))
    console.print(table)
    auto = sum(1 for decision in decisions if decision.band == "auto")
    console.print(TEXT["summary"].format(count=len(decisions), auto=auto,
                                         review=len(decisions) - auto))
