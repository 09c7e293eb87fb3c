"""Parse XML that came from a stranger without letting it reach files, the network or memory.

Supplier documents are untrusted input. No e-invoice syntax uses a DOCTYPE, so any
document that carries one is refused before libxml2 sees it: that closes XXE, billion
laughs, quadratic blow-up and external DTD fetches in one rule. Behind that rule, the
parser never resolves entities, never loads a DTD, never touches the network, answers any
external lookup with an empty document, and keeps libxml2's default depth and size limits
(no `huge_tree`). Documents over a size cap are refused unread.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

MAX_XML_BYTES = 10 * 1024 * 1024

# Checked on the raw bytes before libxml2 sees them, in the encodings an XML prolog may use,
# so that a hostile DTD is refused without being parsed at all. (Tested: lxml opens a SYSTEM
# DTD file despite load_dtd=False when collect_ids=False; options interact in ways that are
# easy to get wrong, hence refusing the DOCTYPE outright.)
_DOCTYPE_MARKERS: tuple[bytes, ...] = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)

MESSAGES = {
    "empty": "empty XML document",
    "too_big": "XML document of {size} bytes exceeds the {limit}-byte limit",
    "doctype": "XML document carries a DOCTYPE (DTD or entities), which no e-invoice uses; "
               "refused for safety",
    "malformed": "not well-formed XML: {detail}",
}


class _RefuseExternal(etree.Resolver):
    """Answers every external lookup (DTD, entity, XInclude) with an empty document."""

    # `context` has a default only because lxml-stubs omit it; lxml always passes it.
    def resolve(self, system_url: str, public_id: str, context: Any = None) -> Any:
        return self.resolve_string("", context, base_url=None)


class XmlRejected(ValueError):
    """The bytes are not XML we are willing to read; `unsafe` says whether it looked hostile."""

    def __init__(self, message: str, *, unsafe: bool = False) -> None:
        super().__init__(message)
        self.unsafe = unsafe


def hardened_parser() -> etree.XMLParser:
    """A fresh parser (lxml parsers are not shared across threads) with every door closed."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    parser.resolvers.add(_RefuseExternal())
    return parser


def parse_untrusted_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """The root element of `data`, or `XmlRejected` if it is empty, too big, hostile or broken."""
    if not data.strip():
        raise XmlRejected(MESSAGES["empty"])
    if len(data) > max_bytes:
        raise XmlRejected(MESSAGES["too_big"].format(size=len(data), limit=max_bytes))
    if _carries_doctype(data):
        raise XmlRejected(MESSAGES["doctype"], unsafe=True)
    try:
        root = etree.fromstring(data, hardened_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise XmlRejected(MESSAGES["malformed"].format(detail=_first_line(error))) from error
    if getattr(root.getroottree().docinfo, "doctype", ""):  # `doctype` is not in lxml-stubs
        # Encodings the byte scan cannot see (UTF-32, EBCDIC): the parser above has already
        # kept entities unexpanded and lookups empty; refuse the document all the same.
        raise XmlRejected(MESSAGES["doctype"], unsafe=True)
    return root


def _carries_doctype(data: bytes) -> bool:
    return any(marker in data for marker in _DOCTYPE_MARKERS)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__
