"""One field as a reader found it: the value, the evidence behind it, the text it came from."""

from __future__ import annotations

from dataclasses import dataclass

from liasse.domain.extraction import ExtractedField
from liasse.extract.confidence import Evidence, field_confidence

# Below this, the value is withheld (None): a guess must not look like a fact.
_WITHHOLD_BELOW = 0.35


@dataclass(frozen=True)
class FieldReading:
    value: str | None
    evidence: Evidence
    source: str = ""

    def to_field(self) -> ExtractedField:
        if self.value is None:
            return ExtractedField(None, 0.0, self.source)
        confidence = field_confidence(self.evidence)
        if confidence < _WITHHOLD_BELOW:
            return ExtractedField(None, confidence, self.source)
        return ExtractedField(self.value, confidence, self.source)


NOT_FOUND = FieldReading(None, Evidence())
