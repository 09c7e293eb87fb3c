"""Attachments put where a PDF may hold them, for the attachment tests."""

from __future__ import annotations

import pypdf
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def attach_by_annotation(writer: pypdf.PdfWriter, name: str, data: bytes) -> None:
    """`data` as the file of a FileAttachment annotation on the first page: no name tree,
    no /AF, the one place some producers put it."""
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    spec = DictionaryObject({
        NameObject("/Type"): NameObject("/Filespec"),
        NameObject("/F"): TextStringObject(name),
        NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)}),
    })
    annotation = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/FileAttachment"),
        NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
        NameObject("/FS"): spec,
    })
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
