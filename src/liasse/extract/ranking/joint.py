"""Choices made across fields, on each field's distinct values scored best first (`Scored`):
a net, a tax and a total that add up are taken together over a slightly better-scored set
that does not; the customer is another party than the supplier; a value its own label
names wins over one printed beside another field's label.

Each takes the fields' `Scored` values and `picks` (the index of each field's chosen value),
and moves a pick where the fields together say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from liasse.extract.candidates import Candidate
from liasse.extract.fields.geometry import normalise
from liasse.extract.ranking.evidence import (
    OTHER_ROLES,
    corroborated,
    labelled_only,
    labelled_otherwise,
    misplaced_date_or_number,
)
from liasse.extract.ranking.model import AMOUNT_FIELDS, FieldModel

if TYPE_CHECKING:
    from liasse.extract.ranking.model import Matrix


# How many of each amount field's best values the joint choice looks at.
_TRIPLE_DEPTH = 4
# A consistent triple is preferred unless its joint score is this much (log) worse.
_TRIPLE_SLACK = math.log(20.0)
# Cash rounding moves a total by a few cents at most (to 0.05 in most countries that round).
_ROUNDING_GAP = Decimal("0.05")
# Net and tax worked out line by line and rounded miss the total by a cent at most.
ROUNDED_SUM_GAP = Decimal("0.01")
# A value the ranker itself scores unlikely, chosen because nothing else was likelier
# ("31000 Toulouse", a postcode, the only code of a page whose number is "November#6"):
# its share of the candidates says it won, not that it is right.
UNLIKELY_PROBABILITY = 0.05


@dataclass(frozen=True)
class Scored:
    """A field's distinct values, best first, each with its best occurrence and its share."""

    values: list[tuple[str, float, Candidate]]  # value, probability, best occurrence


def score_field(model: FieldModel, candidates: list[Candidate], raw: Matrix | None) -> Scored:
    best: dict[str, tuple[float, Candidate]] = {}
    if raw is None:  # scored one by one: an excluded candidate, never chosen, is not scored
        candidates = [candidate for candidate in candidates if candidate.excluded is None]
    for candidate, logit in zip(candidates, model.logits(candidates, raw), strict=True):
        if candidate.excluded is not None:
            continue  # a postcode, a line of the item table (`Candidate.excluded`)
        probability = 1.0 / (1.0 + math.exp(-logit))
        if candidate.value not in best or probability > best[candidate.value][0]:
            best[candidate.value] = (probability, candidate)
    values = sorted(((value, p, c) for value, (p, c) in best.items()),
                    key=lambda item: -item[1])
    return Scored(values)


def share_of(ranked: Scored, pick: int) -> float:
    """The chosen value's probability against the sum over all distinct values."""
    total = sum(probability for _, probability, _ in ranked.values)
    return ranked.values[pick][1] / total if total > 0 else 0.0


def amounts_contradict(scored: dict[str, Scored], picks: dict[str, int]) -> bool:
    """The chosen net, tax and total are all there, and net + tax is not the total. A
    value the ranker scores unlikely is a guess, no reading: a tax guessed is no tax, so
    the net alone must make the total, printed apart as both (a Stripe invoice with no tax
    line prints "Subtotal $74.99" and "Total $74.99", and that figure taken for its tax
    too, at 0.0001, held its total at the ceiling; one total worked out from a cash
    rounding and taken for the net too vouches for nothing); a net or a total guessed
    says nothing."""
    if not all(name in scored and scored[name].values for name in AMOUNT_FIELDS):
        return False
    (net, p_net, net_at), (tax, p_tax, _), (total, p_total, total_at) = (
        scored[name].values[picks[name]] for name in AMOUNT_FIELDS)
    if min(p_net, p_total) < UNLIKELY_PROBABILITY:
        return False
    if p_tax >= UNLIKELY_PROBABILITY:
        return Decimal(net) + Decimal(tax) != Decimal(total)
    printed_apart = net_at is not total_at and net_at.derivation is None \
        and total_at.derivation is None
    return not (printed_apart and Decimal(net) == Decimal(total))


def distinct_parties(scored: dict[str, Scored], picks: dict[str, int]) -> frozenset[str]:
    """The supplier and the customer are two parties: never the same name for both.

    The supplier, a key field with the better model, keeps its choice; the customer is its
    best name that is not the supplier's (none when every one is). Returns the fields
    whose value is then not their model's first choice.
    """
    if "supplier_name" not in scored or "customer_name" not in scored \
            or not scored["supplier_name"].values:
        return frozenset()
    supplier = scored["supplier_name"].values[picks["supplier_name"]][0]
    customers = scored["customer_name"].values
    others = [index for index, (name, _, _) in enumerate(customers)
              if not _same_party(supplier, name)]
    if others:
        picks["customer_name"] = others[0]
    else:
        customers.clear()
    return frozenset({"customer_name"}) if others and others[0] > 0 else frozenset()


def head_of_block(scored: dict[str, Scored], picks: dict[str, int]) -> None:
    """A customer's name chosen from a further line of its block ("Mumbai" under "203,
    Systems Plaza" under "Best Designers"): the name that heads the block is the party's."""
    customers = scored.get("customer_name")
    if customers is None or not customers.values:
        return
    head = customers.values[picks["customer_name"]][2].block_head
    if head is None:
        return
    supplier = scored.get("supplier_name")
    taken = supplier.values[picks["supplier_name"]][0] if supplier and supplier.values else ""
    for index, (name, _, _) in enumerate(customers.values):
        if name == head and not _same_party(taken, name):
            picks["customer_name"] = index
            return


def _same_party(one: str, other: str) -> bool:
    first, second = normalise(one), normalise(other)
    return bool(first and second) and (first in second or second in first)


def own_label_first(scored: dict[str, Scored], picks: dict[str, int]) -> None:
    """A date or a number chosen beside a label that gives it to another field ("Date de
    fin de prestation : 31/12/2026" for the due date, "N° de facture associée" for the
    number) gives way to the best value its own label vouches for, beside or over it
    (`corroborated`), when the page has one ("Date d'échéance : 02/03/2026", "20.06.2025"
    in a "Fälligkeit" column). Its lower share then lowers the confidence too."""
    for name in OTHER_ROLES:
        ranked = scored.get(name)
        if ranked is None or not ranked.values \
                or not misplaced_date_or_number(name, ranked.values[picks[name]][2]):
            continue
        for index, (_, _, candidate) in enumerate(ranked.values):
            if corroborated(name, candidate) \
                    and not misplaced_date_or_number(name, candidate):
                picks[name] = index
                break


def own_amount_label_first(scored: dict[str, Scored], picks: dict[str, int],
                            amounts: list[Candidate]) -> None:
    """A net or a tax chosen where every print of it sits beside another amount's label
    and none of its own (the net taken from "Total: $2,608.20", printed three times as the
    total) gives way to the best value that its own label alone names ("Subtotal:
    $2,145.00"). Only when the three do not add up: a sum that holds placed them. Not the
    total: a till slip's total sits beside a sub-total's or a tax's words as often
    ("Total Sales Inclusive GST")."""
    for name in ("net_amount", "tax_amount"):
        ranked = scored.get(name)
        if ranked is None or not ranked.values:
            continue
        chosen = Decimal(ranked.values[picks[name]][0])
        prints = [c for c in amounts if Decimal(c.value) == chosen]
        if not prints or not all(labelled_otherwise(c, name) for c in prints):
            continue
        for index, (_, _, candidate) in enumerate(ranked.values):
            if labelled_only(candidate, name):
                picks[name] = index
                break


def _plausible_tax(tax: str, candidate: Candidate, total: Candidate) -> bool:
    """A zero tax adds up with any amount printed twice: it counts only when labelled, and
    only beside a total labelled as one (a till's "SUB-TOTAL 45.28 / TAX 0.00" makes 45.28
    a sum with itself, whatever the "TOTAL 48.00" under them says)."""
    return Decimal(tax) != 0 or (candidate.labelled("tax_amount")
                                 and total.labelled("total_amount"))


def totals_row(scored: dict[str, Scored], picks: dict[str, int],
                amounts: list[Candidate]) -> bool:
    """The chosen total printed on one line with two amounts that add up to it
    ("1153.34 | 239.66 | 1393.00 EUR"): that line is the invoice's net, tax and total, even
    when no label names them. True when net and tax were taken from it."""
    if not all(name in scored and scored[name].values for name in AMOUNT_FIELDS):
        return False
    total = Decimal(scored["total_amount"].values[picks["total_amount"]][0])
    lines = {c.segment.line for c in amounts if Decimal(c.value) == total}
    for line in sorted(lines):
        row = [c for c in amounts if c.segment.line == line and Decimal(c.value) != total]
        for net in row:
            for tax in row:
                if Decimal(net.value) > Decimal(tax.value) > 0 \
                        and Decimal(net.value) + Decimal(tax.value) == total \
                        and not labelled_otherwise(net, "net_amount") \
                        and not labelled_otherwise(tax, "tax_amount"):
                    picks["net_amount"] = _index(scored["net_amount"], net.value)
                    picks["tax_amount"] = _index(scored["tax_amount"], tax.value)
                    return True
    return False


def on_one_row(scored: dict[str, Scored], picks: dict[str, int],
                amounts: list[Candidate]) -> bool:
    """The chosen net, tax and total are printed together on one line: a totals row."""
    wanted = [Decimal(scored[name].values[picks[name]][0]) for name in AMOUNT_FIELDS]
    if len(set(wanted)) < len(wanted):
        return False  # a zero tax or a net equal to its total proves nothing
    lines: dict[tuple[int, int], set[Decimal]] = {}
    for candidate in amounts:
        where = (candidate.segment.page, candidate.segment.line)
        lines.setdefault(where, set()).add(Decimal(candidate.value))
    return any(all(value in values for value in wanted) for values in lines.values())


def _index(ranked: Scored, value: str) -> int:
    return next(i for i, item in enumerate(ranked.values) if item[0] == value)


def after_rounding(scored: dict[str, Scored], picks: dict[str, int],
                    amounts: list[Candidate]) -> bool:
    """A total printed under a rounding line, a few cents from the chosen one, is the total
    paid ("TOTAL 33.92 / ROUNDING -0.02 / TOTAL ROUNDED 33.90"): the debit the bank shows;
    so is the paid total worked out from the rounding or the change (`candidates`).

    True when the chosen total was moved to it.
    """
    ranked = scored.get("total_amount")
    if ranked is None or not ranked.values:
        return False
    value, _, chosen = ranked.values[picks["total_amount"]]
    for candidate in amounts:
        gap = abs(Decimal(candidate.value) - Decimal(value))
        if (candidate.features.get("below_rounding") or candidate.features.get("paid_total")) \
                and candidate.segment.line > chosen.segment.line \
                and Decimal(0) < gap <= _ROUNDING_GAP and Decimal(candidate.value) > 0:
            picks["total_amount"] = _index(ranked, candidate.value)
            return True
    return False


def handed_over_chosen(scored: dict[str, Scored], picks: dict[str, int]) -> bool:
    """The chosen total is the money handed over, its arithmetic says (the sale above it
    plus the change under it: `candidates.amounts._handed_over`): the total is the best value that
    is not. True when the total was moved."""
    ranked = scored.get("total_amount")
    if ranked is None or not ranked.values \
            or not ranked.values[picks["total_amount"]][2].features.get("handed_over"):
        return False
    others = [index for index, (_, _, candidate) in enumerate(ranked.values)
              if not candidate.features.get("handed_over")]
    if not others:
        return False
    picks["total_amount"] = others[0]
    return True


def _triple_values(ranked: Scored) -> list[tuple[int, tuple[str, float, Candidate]]]:
    """A field's best few values, with their ranks, and its best few that are not negative:
    negatives (a discount's "-0.50" beside its "7 % USt") ranked above the invoice's own
    "Steuerbetrag 87.39" and pushed it out of the few looked at."""
    positive = [index for index, item in enumerate(ranked.values)
                if Decimal(item[0]) >= 0][:_TRIPLE_DEPTH]
    wanted = sorted(set(range(min(_TRIPLE_DEPTH, len(ranked.values)))) | set(positive))
    return [(index, ranked.values[index]) for index in wanted]


def _paid_over(candidate: Candidate) -> bool:
    """Money handed over, given back or rounded away ("CASH 52.00", "CHANGE 40.50"): the
    cash less the change is the sale, an arithmetic that holds but says no net + tax."""
    paid = candidate.labelled("payment_line") or candidate.labelled("rounding") \
        or bool(candidate.features.get("handed_over"))
    return paid and not candidate.labelled("total_amount")


def joint_amounts(scored: dict[str, Scored], picks: dict[str, int], *,
                   off_by: Decimal = Decimal(0)) -> bool:
    """Prefer net + tax = total among the best few values of each, within `off_by`; True
    when one holds."""
    if not all(name in scored and scored[name].values for name in AMOUNT_FIELDS):
        return False
    lists = [_triple_values(scored[name]) for name in AMOUNT_FIELDS]
    best_independent = sum(math.log(max(scored[name].values[0][1], 1e-9))
                           for name in AMOUNT_FIELDS)
    best: tuple[float, tuple[int, int, int]] | None = None
    for i, (net, p_net, net_at) in lists[0]:
        for j, (tax, p_tax, tax_at) in lists[1]:
            for k, (total, p_total, total_at) in lists[2]:
                if abs(Decimal(net) + Decimal(tax) - Decimal(total)) > off_by \
                        or Decimal(total) <= 0 \
                        or any(_paid_over(at) for at in (net_at, tax_at, total_at)) \
                        or not _plausible_tax(tax, tax_at, total_at) \
                        or labelled_otherwise(net_at, "net_amount") \
                        or labelled_otherwise(tax_at, "tax_amount") \
                        or labelled_otherwise(total_at, "total_amount"):
                    continue
                joint = sum(math.log(max(p, 1e-9)) for p in (p_net, p_tax, p_total))
                if best is None or joint > best[0]:
                    best = (joint, (i, j, k))
    if best is None or best[0] < best_independent - _TRIPLE_SLACK:
        return False
    for name, index in zip(AMOUNT_FIELDS, best[1], strict=True):
        picks[name] = index
    return True
