"""Document confidence and routing: refused, review or approved, always with the reasons.

The confidence combines the extracted fields' confidences, the supplier resolution, the
arithmetic and identifier checks, and duplicate signals. Routing compares it with the
workspace's thresholds (below 55 % refused, from 85 % approved by default), which a
supplier rule may tighten (always review) or move (auto-post from 90 %). A person may
override a route; the override is an audited record, and it never lets a duplicate of a
posted document through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # annotations only: the supplier matching (rapidfuzz, stdnum) stays
    # out of the processes that only weigh confidences, `liasse extract`'s among them
    from liasse.domain.suppliers import SupplierRule

Route = Literal["refused", "review", "approved"]
ROUTES: tuple[Route, ...] = ("refused", "review", "approved")
POSTABLE_TYPES = frozenset({"invoice", "credit_note", "receipt"})

# How much each extracted field weighs in the field part of the confidence.
FIELD_WEIGHTS: dict[str, float] = {"supplier_name": 1.0, "invoice_number": 1.0,
                                   "issue_date": 1.0, "total_amount": 2.0, "currency": 0.5,
                                   "net_amount": 0.5, "tax_amount": 0.5}
FIELDS_SHARE, SUPPLIER_SHARE, CHECKS_SHARE = 0.55, 0.30, 0.15
# A document is never surer than its weakest key field: an average would let a sure total
# carry a wrong supplier into the auto band.
KEY_FIELDS: tuple[str, ...] = ("supplier_name", "invoice_number", "issue_date", "total_amount")
SURE_FIELD = 0.85
PENALTY_PER_IDENTIFIER_FLAG = 0.15
MAX_IDENTIFIER_PENALTY = 0.30
NEAR_DUPLICATE_FACTOR = 0.8


class OverrideRefused(ValueError):
    """An override that liasse will not record (no reason, or it would post a copy)."""


@dataclass(frozen=True)
class Thresholds:
    review_from: float = 0.55
    approve_from: float = 0.85

    def __post_init__(self) -> None:
        if not 0.0 <= self.review_from <= self.approve_from <= 1.0:
            raise ValueError(f"thresholds must satisfy 0 ≤ review_from ≤ approve_from ≤ 1, "
                             f"not {self.review_from} and {self.approve_from}")


@dataclass(frozen=True)
class DuplicateSignal:
    original_id: str
    certain: bool
    blocks_posting: bool
    reason: str


@dataclass(frozen=True)
class ConfidenceInputs:
    field_confidences: Mapping[str, float]
    supplier_confidence: float
    supplier_reasons: tuple[str, ...] = ()
    arithmetic_holds: bool | None = None
    identifier_flags: tuple[str, ...] = ()
    duplicate: DuplicateSignal | None = None
    # The supplier is a directory entry found by its VAT id, SIREN, SIRET or IBAN: its
    # name comes from the directory, so the name read on the page no longer decides.
    supplier_known: bool = False
    document_type: str = "invoice"


def counts_for(name: str, document_type: str) -> bool:
    """Whether a field takes part in a document's confidence. A till receipt has no invoice
    number more often than not: it is attached to the debit that paid it, found by its
    shop, date and total, so its number neither caps nor weighs."""
    return name != "invoice_number" or document_type != "receipt"


def key_fields(document_type: str) -> tuple[str, ...]:
    return tuple(name for name in KEY_FIELDS if counts_for(name, document_type))


@dataclass(frozen=True)
class DocumentConfidence:
    value: float
    reasons: tuple[str, ...]


def _fields_part(confidences: Mapping[str, float],
                 document_type: str) -> tuple[float, list[str]]:
    weights = {name: weight for name, weight in FIELD_WEIGHTS.items()
               if counts_for(name, document_type)}
    total = sum(weights.values())
    value = sum(weight * confidences.get(name, 0.0) for name, weight in weights.items())
    doubts = []
    for name in weights:
        label = name.replace("_", " ")
        if name not in confidences:
            doubts.append(f"{label} not found")
        elif confidences[name] < SURE_FIELD:
            doubts.append(f"{label} uncertain ({confidences[name]:.0%})")
    return value / total, doubts


def document_confidence(inputs: ConfidenceInputs) -> DocumentConfidence:
    """One figure in [0, 1] and the reasons that moved it."""
    fields, doubts = _fields_part(inputs.field_confidences, inputs.document_type)
    checks = {True: 1.0, None: 0.6, False: 0.0}[inputs.arithmetic_holds]
    value = FIELDS_SHARE * fields + SUPPLIER_SHARE * inputs.supplier_confidence \
        + CHECKS_SHARE * checks
    reasons = [f"fields {fields:.0%}", *doubts,
               f"supplier {inputs.supplier_confidence:.0%}", *inputs.supplier_reasons]
    reasons.append({True: "net + VAT = total", None: "net + VAT = total not checkable",
                    False: "net + VAT ≠ total"}[inputs.arithmetic_holds])
    keys = {name: inputs.field_confidences.get(name, 0.0)
            for name in key_fields(inputs.document_type)}
    if inputs.supplier_known:
        keys["supplier_name"] = max(keys["supplier_name"], inputs.supplier_confidence)
    weakest = min(keys, key=lambda name: keys[name])
    weakest_value = keys[weakest]
    if weakest_value < value:
        value = weakest_value
        reasons.append(f"capped by the weakest key field, {weakest.replace('_', ' ')} "
                       f"({weakest_value:.0%})")
    if inputs.identifier_flags:
        value -= min(MAX_IDENTIFIER_PENALTY,
                     PENALTY_PER_IDENTIFIER_FLAG * len(inputs.identifier_flags))
        reasons.extend(inputs.identifier_flags)
    if inputs.duplicate:
        value = 0.0 if inputs.duplicate.certain else value * NEAR_DUPLICATE_FACTOR
        kind = "duplicate" if inputs.duplicate.certain else "possible duplicate"
        reasons.append(f"{kind} of {inputs.duplicate.original_id}: {inputs.duplicate.reason}")
    return DocumentConfidence(round(max(0.0, min(1.0, value)), 4), tuple(reasons))


@dataclass(frozen=True)
class RoutingDecision:
    route: Route
    confidence: float
    reasons: tuple[str, ...]
    thresholds: Thresholds
    blocked: str | None = None  # why this document may never be posted, whatever its route
    overridden_by: str | None = None

    @property
    def may_post(self) -> bool:
        return self.route == "approved" and self.blocked is None


def effective_thresholds(workspace: Thresholds, rule: SupplierRule | None) -> Thresholds:
    if rule is None:
        return workspace
    review_from = workspace.review_from if rule.review_from is None else rule.review_from
    approve_from = workspace.approve_from if rule.approve_from is None else rule.approve_from
    return Thresholds(min(review_from, approve_from), approve_from)


def route_document(confidence: DocumentConfidence, workspace: Thresholds,
                   rule: SupplierRule | None = None, duplicate: DuplicateSignal | None = None,
                   document_type: str = "invoice") -> RoutingDecision:
    """Refused, review or approved, with the threshold and every doubt spelled out."""
    thresholds = effective_thresholds(workspace, rule)
    value = confidence.value
    blocked = f"duplicate of {duplicate.original_id}" if duplicate and \
        duplicate.blocks_posting else None
    if duplicate and duplicate.certain:
        return RoutingDecision("refused", value, (f"refused: {duplicate.reason}",
                                                  *confidence.reasons), thresholds, blocked)
    if value < thresholds.review_from:
        return RoutingDecision("refused", value, (
            f"refused: confidence {value:.0%} is below {thresholds.review_from:.0%}",
            *confidence.reasons), thresholds, blocked)
    holds = _review_holds(value, thresholds, rule, duplicate, document_type)
    if holds:
        return RoutingDecision("review", value, (*holds, *confidence.reasons), thresholds,
                               blocked)
    return RoutingDecision("approved", value, (
        f"approved: confidence {value:.0%} reaches {thresholds.approve_from:.0%}",
        *confidence.reasons), thresholds, blocked)


def _review_holds(value: float, thresholds: Thresholds, rule: SupplierRule | None,
                  duplicate: DuplicateSignal | None, document_type: str) -> list[str]:
    holds = []
    if value < thresholds.approve_from:
        holds.append(f"review: confidence {value:.0%} is below {thresholds.approve_from:.0%}")
    if rule and rule.always_review:
        holds.append("review: the supplier rule says always review")
    if duplicate:
        holds.append(f"review: possible duplicate of {duplicate.original_id}")
    if document_type not in POSTABLE_TYPES:
        holds.append(f"review: a {document_type.replace('_', ' ')} is not posted as an invoice")
    return holds


@dataclass(frozen=True)
class RoutingOverride:
    """The audit record of a person's override: who, when, why, before → after."""

    before: RoutingDecision
    after: RoutingDecision
    user: str
    reason: str
    at: datetime

    def audit_line(self) -> str:
        return (f"{self.at.isoformat()} {self.user}: {self.before.route} → {self.after.route} "
                f"({self.reason})")


def override(decision: RoutingDecision, user: str, new_route: Route, reason: str, *,
             at: datetime | None = None) -> RoutingOverride:
    """A person's decision replaces liasse's; refused without a user or a reason."""
    if new_route not in ROUTES:
        raise OverrideRefused(f"unknown route {new_route!r}")
    if not user.strip():
        raise OverrideRefused("an override needs the person who makes it")
    if not reason.strip():
        raise OverrideRefused("an override needs a reason, for the audit trail")
    if new_route == "approved" and decision.blocked:
        raise OverrideRefused(f"cannot approve for posting: {decision.blocked}; "
                              "a copy of a document must never be posted twice")
    after = replace(decision, route=new_route, overridden_by=user,
                    reasons=(f"{new_route} by {user}: {reason.strip()}", *decision.reasons))
    return RoutingOverride(decision, after, user, reason.strip(), at or datetime.now(UTC))
