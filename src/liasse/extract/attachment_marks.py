"""Whether a PDF may carry an attachment, from its raw bytes alone, so that most PDFs never
pay for the attachment scanner (pypdf and its imports cost more than reading a PDF).

The test errs towards "maybe": `extract.attachments` then looks, and decides. It can say
"no" only where every object of the file is written out in the clear, because then every
dictionary key the scanner follows appears in the bytes: the name tree (`/EmbeddedFiles`),
the catalog's `/AF` array, a page's `/FileAttachment` annotation. So any of these says
"maybe", and so does whatever could hide them from a byte search:

- `/ObjStm`: objects packed into compressed object streams (the catalog among them);
- `/Encrypt`: an encrypted file, which the scanner reports on even when it finds nothing;
- a key written with `#xx` escapes (`/Embedded#46iles` is `/EmbeddedFiles`).

A file pdfium cannot open is not decided here: the text layer's caller hands it to the
scanner, which is more lenient with damaged files and says what is wrong with them.
"""

from __future__ import annotations

import re

# The keys that lead the scanner to an attachment, or that hide objects from this search.
_MARKS: tuple[bytes, ...] = (b"/EmbeddedFiles", b"/FileAttachment", b"/ObjStm", b"/Encrypt")
# `/AF` as a whole name (followed by a delimiter, white space or the digits of a reference);
# `/AFRelationship`, which every attached file's specification carries, is another name.
_AF_KEY = re.compile(rb"/AF(?=[\s\x00\[\]<>(){}/%0-9]|\Z)")
# A name containing a `#xx` escape: from its slash to the next delimiter or white space.
_NAME_CHAR = rb"[^\x00-\x20\x7f-\xff/\[\]<>(){}%]"
_ESCAPED_NAME = re.compile(rb"/(%s*?#[0-9A-Fa-f]{2}%s*)" % (_NAME_CHAR, _NAME_CHAR))
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_DECODED_MARKS = frozenset(mark[1:] for mark in (*_MARKS, b"/AF"))


def may_carry_attachments(pdf: bytes) -> bool:
    """False only when no attachment can be reached in `pdf`; True when one might be."""
    if any(mark in pdf for mark in _MARKS) or _AF_KEY.search(pdf) is not None:
        return True
    return b"#" in pdf and _has_escaped_mark(pdf)


def _has_escaped_mark(pdf: bytes) -> bool:
    for match in _ESCAPED_NAME.finditer(pdf):
        name = _ESCAPE.sub(lambda escape: bytes([int(escape.group(1), 16)]), match.group(1))
        if name in _DECODED_MARKS:
            return True
    return False


__all__ = ["may_carry_attachments"]
