"""Company and bank identifiers: normalise, validate with checksums, derive one from another.

python-stdnum does the checksum work; this module gives liasse one vocabulary for it.
"""

from __future__ import annotations

import re

from stdnum import iban as _iban
from stdnum.eu import vat as _eu_vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret

_SPACES = re.compile(r"[\s.\-\u00a0\u202f]+")


def compact(raw: str) -> str:
    """Upper case without spaces, dots, dashes or non-breaking spaces."""
    return _SPACES.sub("", raw).upper()


def is_valid_siren(raw: str) -> bool:
    return bool(_siren.is_valid(compact(raw)))


def is_valid_siret(raw: str) -> bool:
    return bool(_siret.is_valid(compact(raw)))


def is_valid_vat(raw: str) -> bool:
    """Any EU VAT number with its country prefix (FR, DE, BE, ...)."""
    try:
        _eu_vat.validate(compact(raw))
    except ValidationError:
        return False
    return True


def is_valid_iban(raw: str) -> bool:
    return bool(_iban.is_valid(compact(raw)))


def french_vat_key(siren: str) -> str:
    """The two-digit key of a French VAT number: (12 + 3 × (SIREN mod 97)) mod 97."""
    return f"{(12 + 3 * (int(siren) % 97)) % 97:02d}"


def siren_from_vat(vat_id: str) -> str | None:
    """The SIREN inside a French VAT id (FRkk + 9 digits), or None for other ids."""
    value = compact(vat_id)
    if re.fullmatch(r"FR[0-9A-Z]{2}\d{9}", value):
        return value[4:]
    return None


def vat_from_siren(siren: str) -> str:
    value = compact(siren)
    return f"FR{french_vat_key(value)}{value}"


def siren_from_siret(siret: str) -> str:
    return compact(siret)[:9]


def vat_matches_siren(vat_id: str, siren: str) -> bool:
    """True when the French VAT id embeds this SIREN with the right key (checked both ways)."""
    inner = siren_from_vat(vat_id)
    if inner is None or inner != compact(siren):
        return False
    return compact(vat_id) == vat_from_siren(inner)
