"""Answer a parsed question from the database, in the question's language, with links.

Each answer is a headline, a few detail lines and links to the records behind it (a
document page, or the documents list filtered to exactly those records).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from urllib.parse import urlencode

from rapidfuzz import fuzz, process

from liasse.ask.intents import Intent, Language, Period, fold, parse
from liasse.domain.money import Money
from liasse.domain.states import State
from liasse.domain.transactions import BankTransaction
from liasse.store.tables import Document
from liasse.store.web_repo import SpendLine, WebRepo

MAX_LINKS = 25
SUPPLIER_MATCH_SCORE = 75
DUE_STATES = (State.IN_REVIEW, State.APPROVED, State.POSTED)

TEXTS: dict[Language, dict[str, str]] = {
    "en": {
        "this_year": "this year", "last_year": "last year", "this_month": "this month",
        "last_month": "last month", "next_week": "next week", "this_week": "this week",
        "summary": "Summary of {period}: {count} accepted invoices, {total}.",
        "summary_review": "{count} waiting for review",
        "summary_waiting": "{count} failed, waiting",
        "top_supplier": "{name}: {total} ({count})",
        "attention_none": "Nothing needs attention: no review, no failure, connections fine.",
        "attention": "{count} things need attention.",
        "review_link": "{count} documents waiting for review",
        "waiting_line": "{file}: {state} — {error}",
        "reconnect_line": "Connection “{name}” needs reconnecting",
        "outbox_line": "Post of {file} parked: {error}",
        "unmatched_none": "Every bank debit is explained and every posted invoice is matched.",
        "unmatched": "{debits} bank debits are not explained by a document yet, "
                     "{count} posted invoices are not matched to a bank debit yet.",
        "debit_line": "Debit {date} — {counterparty} — {total}",
        "unmatched_link": "Open the unmatched records",
        "spend": "Spent with {supplier} {period}: {total} ({count} invoices).",
        "spend_all": "Spent {period}: {total} ({count} invoices).",
        "spend_unknown": "No supplier called “{supplier}” found. Known suppliers: {known}.",
        "due_none": "No invoice is due {period}.",
        "due": "{count} invoices due {period}, {total}.",
        "document_line": "{supplier} {number} — {total} — {date}",
        "all_documents": "Open these documents in the list",
        "nothing": "nothing",
        "unknown": "I can answer these questions:",
        "examples": "summarise this month|what needs attention?|find unmatched records|"
                    "how much did we spend with <supplier> this year?|show invoices due next week",
    },
    "fr": {
        "this_year": "cette année", "last_year": "l'année dernière", "this_month": "ce mois-ci",
        "last_month": "le mois dernier", "next_week": "la semaine prochaine",
        "this_week": "cette semaine",
        "summary": "Bilan de {period} : {count} factures acceptées, {total}.",
        "summary_review": "{count} à vérifier", "summary_waiting": "{count} en échec, en attente",
        "top_supplier": "{name} : {total} ({count})",
        "attention_none": "Rien à signaler : aucune vérification, aucun échec, connexions OK.",
        "attention": "{count} points demandent votre attention.",
        "review_link": "{count} documents à vérifier",
        "waiting_line": "{file} : {state} — {error}",
        "reconnect_line": "La connexion « {name} » est à refaire",
        "outbox_line": "Envoi de {file} en erreur : {error}",
        "unmatched_none": "Chaque débit est expliqué et chaque facture envoyée est rapprochée.",
        "unmatched": "{debits} débits bancaires ne sont expliqués par aucun document, "
                     "{count} factures envoyées ne sont pas encore rapprochées d'un débit.",
        "debit_line": "Débit du {date} — {counterparty} — {total}",
        "unmatched_link": "Ouvrir les non rapprochés",
        "spend": "Dépensé avec {supplier} {period} : {total} ({count} factures).",
        "spend_all": "Dépensé {period} : {total} ({count} factures).",
        "spend_unknown": "Aucun fournisseur nommé « {supplier} ». Fournisseurs connus : {known}.",
        "due_none": "Aucune facture à échéance {period}.",
        "due": "{count} factures à échéance {period}, {total}.",
        "document_line": "{supplier} {number} — {total} — {date}",
        "all_documents": "Ouvrir ces documents dans la liste",
        "nothing": "rien",
        "unknown": "Je sais répondre à ces questions :",
        "examples": "résume ce mois|qu'est-ce qui demande mon attention ?|"
                    "trouve les factures non rapprochées|"
                    "combien avons-nous dépensé avec <fournisseur> cette année ?|"
                    "montre les factures à échéance la semaine prochaine",
    },
}


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class Answer:
    intent: Intent
    headline: str
    details: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Paths:
    """Where records live in the web app, for the links (one workspace's base path)."""

    base: str

    def document(self, document_id: str) -> str:
        return f"{self.base}/documents/{document_id}"

    def documents(self, **filters: str | list[str]) -> str:
        return f"{self.base}/documents?{urlencode(filters, doseq=True)}"

    @property
    def review(self) -> str:
        return f"{self.base}/review"

    @property
    def status(self) -> str:
        return f"{self.base}/status"

    @property
    def unmatched(self) -> str:
        return f"{self.base}/unmatched"


class UnmatchedDebits(Protocol):
    """Where bank lines come from (`store.bank_repo.BankRepo`)."""

    def unmatched_debits(self, *, since: datetime | None = None) -> list[BankTransaction]: ...


def format_money(minor: int, currency: str, language: Language) -> str:
    text = Money(minor, currency).format_plain()
    return f"{text.replace('.', ',')} {currency}" if language == "fr" else f"{text} {currency}"


def format_totals(lines: Sequence[SpendLine], language: Language) -> str:
    by_currency: dict[str, int] = {}
    for line in lines:
        by_currency[line.currency] = by_currency.get(line.currency, 0) + line.total_minor
    if not by_currency:
        return format_money(0, "EUR", language)
    return " + ".join(format_money(minor, currency, language)
                      for currency, minor in sorted(by_currency.items()))


def ask(question: str, repo: WebRepo, paths: Paths, today: date,
        bank: UnmatchedDebits | None = None) -> Answer:
    """`bank` gives the unmatched debits; without it only invoices are looked at."""
    intent = parse(question, today)
    if intent.kind == "unmatched":
        return _unmatched(intent, repo, paths, bank)
    handler = HANDLERS.get(intent.kind, _unknown)
    return handler(intent, repo, paths)


# --- one function per intent -------------------------------------------------------------------


def _summary(intent: Intent, repo: WebRepo, paths: Paths) -> Answer:
    t, period = TEXTS[intent.language], _period(intent)
    start, end = period.start.isoformat(), period.end.isoformat()
    lines = repo.spend_by_supplier(start, end)
    counts = repo.counts_by_state()
    waiting = sum(counts.get(state.value, 0) for state in
                  (State.PARKED, State.BLOCKED_ON_AUTH, State.RETRY_SCHEDULED))
    headline = t["summary"].format(period=t[period.label], count=sum(x.documents for x in lines),
                                   total=format_totals(lines, intent.language))
    details = tuple(t["top_supplier"].format(
        name=line.label, total=format_money(line.total_minor, line.currency, intent.language),
        count=line.documents) for line in lines[:10])
    links = [Link(t["all_documents"], paths.documents(
        issued_from=start, issued_to=end, state=[s.value for s in
                                                 (State.APPROVED, State.POSTED, State.MATCHED,
                                                  State.FILED_BACK)]))]
    links += [Link(line.label, paths.documents(supplier=line.label, issued_from=start,
                                               issued_to=end)) for line in lines[:10]]
    links.append(Link(t["review_link"].format(count=counts.get(State.IN_REVIEW.value, 0)),
                      paths.review))
    extra = (t["summary_review"].format(count=counts.get(State.IN_REVIEW.value, 0)),
             t["summary_waiting"].format(count=waiting))
    return Answer(intent, headline, details + extra, tuple(links))


def _attention(intent: Intent, repo: WebRepo, paths: Paths) -> Answer:
    t = TEXTS[intent.language]
    links: list[Link] = []
    in_review = repo.count_in_review()
    if in_review:
        links.append(Link(t["review_link"].format(count=in_review), paths.review))
    for document in repo.waiting_documents()[:MAX_LINKS]:
        links.append(Link(t["waiting_line"].format(file=document.file_name, state=document.state,
                                                   error=document.last_error or "?"),
                          paths.document(document.id)))
    for item in repo.parked_outbox():
        if item.document_id and not any(item.document_id in link.href for link in links):
            links.append(Link(t["outbox_line"].format(
                file=item.payload.get("file_name", item.id), error=item.last_error or "?"),
                paths.document(item.document_id)))
    for health in repo.connection_health():
        if health.connection.status != "active":
            links.append(Link(t["reconnect_line"].format(name=health.connection.name),
                              paths.status))
    if not links:
        return Answer(intent, t["attention_none"])
    return Answer(intent, t["attention"].format(count=len(links)), (), tuple(links))


def _unmatched(intent: Intent, repo: WebRepo, paths: Paths, bank: UnmatchedDebits | None
               ) -> Answer:
    t = TEXTS[intent.language]
    documents = repo.documents_in([State.POSTED])
    debits = bank.unmatched_debits() if bank is not None else []
    if not documents and not debits:
        return Answer(intent, t["unmatched_none"])
    details = tuple(t["debit_line"].format(
        date=debit.booked_at.date().isoformat(), counterparty=debit.counterparty_name or "?",
        total=format_money(debit.amount.minor, debit.amount.currency, intent.language))
        for debit in reversed(debits[-MAX_LINKS:]))
    links = [Link(t["unmatched_link"], paths.unmatched)]
    links += _document_links(documents, intent.language, paths)
    if documents:
        links.append(Link(t["all_documents"], paths.documents(state=State.POSTED.value)))
    headline = t["unmatched"].format(debits=len(debits), count=len(documents))
    return Answer(intent, headline, details, tuple(links))


def _spend(intent: Intent, repo: WebRepo, paths: Paths) -> Answer:
    t, period = TEXTS[intent.language], _period(intent)
    start, end = period.start.isoformat(), period.end.isoformat()
    supplier = None
    if intent.supplier:
        known = repo.supplier_names()
        supplier = best_supplier(intent.supplier, known)
        if supplier is None:
            return Answer(intent, t["spend_unknown"].format(
                supplier=intent.supplier, known=", ".join(known[:20]) or t["nothing"]))
    lines = repo.spend_by_supplier(start, end, supplier)
    documents = repo.documents_spent(start, end, supplier)
    values = {"supplier": supplier, "period": t[period.label],
              "total": format_totals(lines, intent.language),
              "count": sum(line.documents for line in lines)}
    headline = t["spend" if supplier else "spend_all"].format(**values)
    links = _document_links(documents, intent.language, paths)
    filters = {"issued_from": start, "issued_to": end}
    links.append(Link(t["all_documents"], paths.documents(
        **filters, **({"supplier": supplier} if supplier else {}))))
    return Answer(intent, headline, (), tuple(links))


def _due(intent: Intent, repo: WebRepo, paths: Paths) -> Answer:
    t, period = TEXTS[intent.language], _period(intent)
    due = [d for d in repo.documents_in(DUE_STATES, limit=5000)
           if period.start.isoformat() <= (_due_date(d) or "") <= period.end.isoformat()]
    due.sort(key=lambda d: (_due_date(d) or "", d.id))
    if not due:
        return Answer(intent, t["due_none"].format(period=t[period.label]))
    totals = [SpendLine("", d.currency or "EUR", d.total_minor or 0, 1) for d in due]
    headline = t["due"].format(count=len(due), period=t[period.label],
                               total=format_totals(totals, intent.language))
    links = _document_links(due, intent.language, paths, date_of=_due_date)
    links.append(Link(t["all_documents"], paths.documents(ids=",".join(d.id for d in due))))
    return Answer(intent, headline, (), tuple(links))


def _unknown(intent: Intent, repo: WebRepo, paths: Paths) -> Answer:
    t = TEXTS[intent.language]
    return Answer(intent, t["unknown"], tuple(t["examples"].split("|")))


HANDLERS: dict[str, Callable[[Intent, WebRepo, Paths], Answer]] = {
    "summary": _summary, "attention": _attention, "spend": _spend, "due": _due,
}


# --- helpers -------------------------------------------------------------------------------------


def _period(intent: Intent) -> Period:
    assert intent.period is not None, "the parser gives these intents a period"
    return intent.period


def best_supplier(typed: str, known: Sequence[str]) -> str | None:
    """The known supplier name closest to what was typed, if it is close enough."""
    if not known:
        return None
    choices = {name: fold(name) for name in known}
    found = process.extractOne(fold(typed), choices, scorer=fuzz.WRatio,
                               score_cutoff=SUPPLIER_MATCH_SCORE)
    return None if found is None else str(found[2])


def _due_date(document: Document) -> str | None:
    fields = (document.extraction or {}).get("fields") or {}
    value = (fields.get("due_date") or {}).get("value")
    return str(value) if value else None


def _document_links(documents: Sequence[Document], language: Language, paths: Paths,
                    date_of: Callable[[Document], str | None] | None = None) -> list[Link]:
    t = TEXTS[language]
    links = []
    for document in documents[:MAX_LINKS]:
        total = (format_money(document.total_minor, document.currency or "EUR", language)
                 if document.total_minor is not None else "?")
        when = date_of(document) if date_of else document.issue_date
        label = t["document_line"].format(supplier=document.supplier_name or document.file_name,
                                          number=document.invoice_number or "", total=total,
                                          date=when or "?")
        links.append(Link(label, paths.document(document.id)))
    return links
