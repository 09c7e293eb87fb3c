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

from liasse.app.ask.intents import Basis, Intent, Language, Period, fold, parse
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
        "last_week": "last week", "month": "in {month} {year}", "year": "in {year}",
        "quarter": "in Q{quarter} {year}", "since": "since {month} {year}",
        "month_of": "{month} {year}", "year_of": "{year}", "quarter_of": "Q{quarter} {year}",
        "since_of": "the time since {month} {year}",
        "months": "January|February|March|April|May|June|July|August|September|October|"
                  "November|December",
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
        "spend": "Spent with {supplier} {period}, by invoice date: {total} ({count} invoices).",
        "spend_all": "Spent {period}, by invoice date: {total} ({count} invoices).",
        "paid": "Paid to {supplier} {period}, by payment date: {total} ({count} invoices).",
        "paid_all": "Paid {period}, by payment date: {total} ({count} invoices).",
        "also_payment": "By payment date (bank debit {period}): {total} ({count} invoices "
                        "paid).",
        "also_issue": "By invoice date (issued {period}): {total} ({count} invoices).",
        "dates_explained": "The invoice date is the issue date printed on the invoice; the "
                           "payment date is the day of the bank debit matched to it.",
        "elsewhere": "{supplier} has {count} accepted invoices dated outside this period, "
                     "from {first} to {last}.",
        "breakdown_line": "{label}: {total} ({count})",
        "spend_unknown": "No supplier called “{supplier}” found. Known suppliers: {known}.",
        "due_none": "No invoice is due {period}.",
        "due": "{count} invoices due {period}, {total}.",
        "document_line": "{supplier} {number} — {total} — {date}",
        "all_documents": "Open these documents in the list",
        "nothing": "nothing",
        "unknown": "I can answer these questions:",
        "examples": "summarise this month|what needs attention?|find unmatched records|"
                    "how much did we spend with <supplier> this year?|"
                    "how much did I spend in October?|what did we pay in Q3, by month?|"
                    "show invoices due next week",
    },
    "fr": {
        "this_year": "cette année", "last_year": "l'année dernière", "this_month": "ce mois-ci",
        "last_month": "le mois dernier", "next_week": "la semaine prochaine",
        "this_week": "cette semaine", "last_week": "la semaine dernière",
        "month": "en {month} {year}", "year": "en {year}", "quarter": "au {quarter} trimestre "
        "{year}", "since": "depuis {month} {year}",
        "this_year_of": "de cette année", "last_year_of": "de l'année dernière",
        "this_month_of": "de ce mois-ci", "last_month_of": "du mois dernier",
        "next_week_of": "de la semaine prochaine", "this_week_of": "de cette semaine",
        "last_week_of": "de la semaine dernière", "month_of": "{of}{month} {year}",
        "year_of": "de {year}", "quarter_of": "du {quarter} trimestre {year}",
        "since_of": "depuis {month} {year}",
        "months": "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
                  "novembre|décembre",
        "summary": "Bilan {period} : {count} factures acceptées, {total}.",
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
        "spend": "Dépensé avec {supplier} {period}, par date de facture : {total} "
                 "({count} factures).",
        "spend_all": "Dépensé {period}, par date de facture : {total} ({count} factures).",
        "paid": "Payé à {supplier} {period}, par date de paiement : {total} ({count} factures).",
        "paid_all": "Payé {period}, par date de paiement : {total} ({count} factures).",
        "also_payment": "Par date de paiement (débit bancaire {period}) : {total} ({count} "
                        "factures payées).",
        "also_issue": "Par date de facture (émises {period}) : {total} ({count} factures).",
        "dates_explained": "La date de facture est la date d'émission imprimée sur la facture ; "
                           "la date de paiement est celle du débit bancaire rapproché.",
        "elsewhere": "« {supplier} » a {count} factures acceptées datées hors de cette période, "
                     "du {first} au {last}.",
        "breakdown_line": "{label} : {total} ({count})",
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
                    "combien ai-je dépensé en octobre ?|"
                    "combien avons-nous payé au 3e trimestre, par mois ?|"
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
    headline = t["summary"].format(period=describe(period, intent.language, of=True),
                                   count=sum(x.documents for x in lines),
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
                file=item.read_payload().file_name or item.id, error=item.last_error or "?"),
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
    """Spend by the date asked for (invoice date unless payments are asked), and by the other."""
    t, period, language = TEXTS[intent.language], _period(intent), intent.language
    supplier = None
    if intent.supplier:
        known = repo.supplier_names()
        supplier = best_supplier(intent.supplier, known)
        if supplier is None:
            return Answer(intent, t["spend_unknown"].format(
                supplier=intent.supplier, known=", ".join(known[:20]) or t["nothing"]))
    other: Basis = "payment" if intent.basis == "issue" else "issue"
    found, also = (_spent(repo, basis, period, supplier) for basis in (intent.basis, other))
    when = describe(period, language)
    key = ("spend" if intent.basis == "issue" else "paid") + ("" if supplier else "_all")
    headline = t[key].format(supplier=supplier, period=when, count=len(found),
                             total=format_totals(_lines(found), language))
    details = [t[f"also_{other}"].format(period=when, count=len(also),
                                         total=format_totals(_lines(also), language)),
               t["dates_explained"]]
    details += _breakdown(intent, found)
    if supplier and not found:
        details += _dated_elsewhere(repo, supplier, period, language)
    days = {item.document.id: item.day for item in found}
    links = _document_links([item.document for item in found], language, paths,
                            date_of=lambda document: days.get(document.id))
    links += _list_link(intent.basis, period, supplier, found, paths, t["all_documents"])
    return Answer(intent, headline, tuple(details), tuple(links))


@dataclass(frozen=True)
class Spent:
    """An accepted document counted in a period, on the day the basis puts it."""

    document: Document
    day: str


def _spent(repo: WebRepo, basis: Basis, period: Period, supplier: str | None) -> list[Spent]:
    start, end = period.start.isoformat(), period.end.isoformat()
    if basis == "issue":
        pairs = [(document, document.issue_date or "")
                 for document in repo.documents_spent(start, end, supplier)]
    else:
        pairs = repo.documents_paid(start, end, supplier)
    return [Spent(document, day) for document, day in pairs if document.total_minor is not None]


def _lines(items: Sequence[Spent], label: Callable[[Spent], str] | None = None
           ) -> list[SpendLine]:
    """Totals per label (the supplier by default) and currency, the largest first."""
    sums: dict[tuple[str, str], tuple[int, int]] = {}
    for item in items:
        document = item.document
        key = ((label(item) if label else document.supplier_name) or "?",
               document.currency or "EUR")
        minor, count = sums.get(key, (0, 0))
        sums[key] = (minor + (document.total_minor or 0), count + 1)
    lines = [SpendLine(name, currency, minor, count)
             for (name, currency), (minor, count) in sums.items()]
    return sorted(lines, key=lambda line: (-line.total_minor, line.label))


def _breakdown(intent: Intent, found: Sequence[Spent]) -> list[str]:
    """One line per month of the period, or per supplier (the default without a supplier)."""
    t, language = TEXTS[intent.language], intent.language
    if intent.breakdown == "month":
        lines = sorted(_lines(found, label=lambda item: item.day[:7]),
                       key=lambda line: (line.label, line.currency))
        return [t["breakdown_line"].format(
            label=_month_name(int(line.label[5:7]), int(line.label[:4]), language),
            total=format_money(line.total_minor, line.currency, language),
            count=line.documents) for line in lines]
    if intent.breakdown == "supplier" or intent.supplier is None:
        return [t["top_supplier"].format(
            name=line.label, total=format_money(line.total_minor, line.currency, language),
            count=line.documents) for line in _lines(found)[:10]]
    return []


def _dated_elsewhere(repo: WebRepo, supplier: str, period: Period,
                     language: Language) -> list[str]:
    """Where this supplier's invoices are, when none falls in the period asked about."""
    days = sorted(document.issue_date for document in
                  repo.documents_spent("0001-01-01", "9999-12-31", supplier)
                  if document.issue_date and document.total_minor is not None
                  and not period.start.isoformat() <= document.issue_date
                  <= period.end.isoformat())
    if not days:
        return []
    return [TEXTS[language]["elsewhere"].format(supplier=supplier, count=len(days),
                                                first=days[0], last=days[-1])]


def _list_link(basis: Basis, period: Period, supplier: str | None, found: Sequence[Spent],
               paths: Paths, label: str) -> list[Link]:
    if basis == "payment":  # the list filters by issue date; paid documents go by id
        return [Link(label, paths.documents(ids=",".join(item.document.id for item in found)))
                ] if found else []
    filters = {"issued_from": period.start.isoformat(), "issued_to": period.end.isoformat()}
    return [Link(label, paths.documents(**filters, **({"supplier": supplier} if supplier
                                                      else {})))]


def _due(intent: Intent, repo: WebRepo, paths: Paths) -> Answer:
    t, period = TEXTS[intent.language], _period(intent)
    due = [d for d in repo.documents_in(DUE_STATES, limit=5000)
           if period.start.isoformat() <= (_due_date(d) or "") <= period.end.isoformat()]
    due.sort(key=lambda d: (_due_date(d) or "", d.id))
    if not due:
        return Answer(intent, t["due_none"].format(period=describe(period, intent.language)))
    totals = [SpendLine("", d.currency or "EUR", d.total_minor or 0, 1) for d in due]
    headline = t["due"].format(count=len(due), period=describe(period, intent.language),
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


def describe(period: Period, language: Language, *, of: bool = False) -> str:
    """The period in words: "in October 2026" / "en octobre 2026"; `of` for "Summary of …"."""
    texts = TEXTS[language]
    key = f"{period.label}_of" if of and f"{period.label}_of" in texts else period.label
    start = period.start
    month = texts["months"].split("|")[start.month - 1]
    quarter = (start.month - 1) // 3 + 1
    ordinal = ("1er" if quarter == 1 else f"{quarter}e") if language == "fr" else str(quarter)
    elided = "d'" if fold(month)[0] in "aeiou" else "de "
    return texts[key].format(month=month, year=start.year, quarter=ordinal, of=elided)


def _month_name(month: int, year: int, language: Language) -> str:
    return f"{TEXTS[language]['months'].split('|')[month - 1]} {year}"


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
    extraction = document.read_extraction()
    value = extraction.value("due_date") if extraction is not None else None
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
