"""What a workspace learned about one supplier's documents, used as evidence on the next one.

A person confirms a document's values (the review page, `liasse learn`); `learn` records,
for each value, where it sat on the page relative to stable anchors (the label before it,
its position from the page's corners, the printed shape of the value) and how many
consistent confirmations back it. The next document of that supplier, recognised by an
identifier printed on it (VAT id, SIREN, SIRET, IBAN), its web domain or its header lines
(a layout fingerprint), is read as usual by the ranker; `apply_memory` then looks among
the same candidates for the one that sits where the remembered value sat.

Why after the ranker and not as features: the ranker's features and model are trained and
shipped apart (`extract.ranking`); memory is per workspace and must not change them. So
memory only moves a field to another candidate of the page and sets its confidence, by
rules a person can read:

- several consistent confirmations and the same anchor make a value sure;
- one confirmation makes it sure only when the page cross-checks it: the amounts add up
  (net and tax, the totals above it, the cash less the change), the identifier's checksum
  passed, or the ranker chose the very same value at the same anchor (for an amount OCR
  hesitated on, that re-reads the same digits: the arithmetic must check it);
- anything less lifts nothing above review.

Nothing here touches a database: the store keeps `SupplierMemory` as JSON.

The package, from the bottom up:

- `checks`, `dates`, `glued`, `marks`: what a supplier's memory says against a value, a
  date OCR broke apart, amounts glued to a currency code, the header's long numbers;
- `model`: what is remembered (`SupplierMemory`, a `FieldHint` per field, its `Anchor`)
  and the confidences memory states;
- `anchors`: describing a page (where a value sits, its label, its printed shape, the
  header's fingerprint);
- `learning`: folding one confirmed document into the memory (`learn`);
- `recognition`: which remembered supplier a page is (`recognise`);
- `reading`: reading a page with its supplier's memory (`apply_memory`).
"""

from __future__ import annotations

from liasse.extract.memory.anchors import anchor_of
from liasse.extract.memory.learning import Lesson, learn
from liasse.extract.memory.model import IDENTIFIER_FIELDS, Anchor, FieldHint, SupplierMemory
from liasse.extract.memory.reading import MemoryReading, apply_memory
from liasse.extract.memory.recognition import Recognition, recognise

__all__ = ["IDENTIFIER_FIELDS", "Anchor", "FieldHint", "Lesson", "MemoryReading",
           "Recognition", "SupplierMemory", "anchor_of", "apply_memory", "learn",
           "recognise"]
