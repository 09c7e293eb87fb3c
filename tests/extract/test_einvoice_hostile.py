"""Hostile and broken input: each gives a clean error, quickly, without reading files or sockets."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from lxml import etree
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from liasse.extract.attachments import embedded_xml_files, scan_xml_attachments
from liasse.extract.einvoice import (
    EInvoiceError,
    NotAnInvoice,
    UnsafeXml,
    read_einvoice,
    read_embedded_einvoice,
)
from liasse.extract.xmlsafe import MAX_XML_BYTES, hardened_parser

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "einvoice"
CII_OPEN = (
    '<rsm:CrossIndustryInvoice '
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:'
    'ReusableAggregateBusinessInformationEntity:100">'
)
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


@pytest.fixture
def einvoice_secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER-4242")
    return secret


@pytest.fixture
def einvoice_listener() -> Iterator[socket.socket]:
    """A loopback socket that records whether anything tried to connect to it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    yield server
    server.close()


def nobody_connected(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


def xxe_invoice(system_id: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE rsm:CrossIndustryInvoice '
            f'[<!ENTITY xxe SYSTEM "{system_id}">]>{CII_OPEN}<rsm:ExchangedDocument>'
            f'<ram:ID>&xxe;</ram:ID></rsm:ExchangedDocument></rsm:CrossIndustryInvoice>'
            ).encode()


@pytest.mark.timeout(10)
def test_external_entity_to_a_local_file_is_refused(einvoice_secret_file: Path) -> None:
    with pytest.raises(UnsafeXml) as refused:
        read_einvoice(xxe_invoice(einvoice_secret_file.as_uri()), source="x.xml")
    assert "TOP-SECRET" not in str(refused.value)


@pytest.mark.timeout(10)
def test_the_parser_itself_never_expands_a_file_entity(einvoice_secret_file: Path) -> None:
    # Second line of defence: even without the DOCTYPE pre-check, nothing is substituted.
    root = etree.fromstring(xxe_invoice(einvoice_secret_file.as_uri()), hardened_parser())
    assert b"TOP-SECRET" not in etree.tostring(root)
    root = etree.fromstring(xxe_invoice("file:///etc/passwd"), hardened_parser())
    assert b"root:" not in etree.tostring(root)


@pytest.mark.timeout(10)
def test_external_entity_over_http_is_refused_without_a_connection(
        einvoice_listener: socket.socket) -> None:
    port = einvoice_listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}/leak"
    with pytest.raises(UnsafeXml):
        read_einvoice(xxe_invoice(url), source="x.xml")
    etree.fromstring(xxe_invoice(url), hardened_parser())
    assert nobody_connected(einvoice_listener)


@pytest.mark.timeout(10)
def test_a_doctype_with_an_external_dtd_is_refused_without_a_connection(
        einvoice_listener: socket.socket) -> None:
    port = einvoice_listener.getsockname()[1]
    xml = (SAMPLES / "facturx" / "factur-x-minimum.xml").read_bytes()
    body = xml[xml.index(b"<rsm:CrossIndustryInvoice"):]
    doctype = f'<!DOCTYPE rsm:CrossIndustryInvoice SYSTEM "http://127.0.0.1:{port}/x.dtd">'
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        read_einvoice(doctype.encode() + body, source="factur-x.xml")
    etree.fromstring(doctype.encode() + body, hardened_parser())
    assert nobody_connected(einvoice_listener)


@pytest.mark.timeout(10)
def test_the_parser_itself_never_opens_an_external_dtd_file(tmp_path: Path) -> None:
    # If libxml2 read this file it would fail with "Content error in the external subset".
    dtd = tmp_path / "hostile.dtd"
    dtd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    for system_id in (dtd.as_uri(), str(dtd)):
        document = f'<!DOCTYPE a SYSTEM "{system_id}"><a>&foo;ok</a>'.encode()
        root = etree.fromstring(document, hardened_parser())
        assert "root:x" not in etree.tostring(root).decode()


@pytest.mark.timeout(10)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_billion_laughs_is_refused_fast(encoding: str) -> None:
    document = BILLION_LAUGHS.replace('version="1.0"', f'version="1.0" encoding="{encoding}"')
    started = time.perf_counter()
    with pytest.raises(UnsafeXml):
        read_einvoice(document.encode(encoding), source="lol.xml")
    assert time.perf_counter() - started < 1.0


@pytest.mark.timeout(10)
def test_the_parser_itself_does_not_expand_billion_laughs() -> None:
    started = time.perf_counter()
    try:
        root = etree.fromstring(BILLION_LAUGHS.encode(), hardened_parser())
        assert len(etree.tostring(root)) < 1_000
    except etree.XMLSyntaxError:
        pass  # libxml2's own amplification guard is also an acceptable outcome
    assert time.perf_counter() - started < 1.0


@pytest.mark.timeout(10)
def test_input_over_the_size_cap_is_refused_before_parsing() -> None:
    huge = CII_OPEN.encode() + b" " * MAX_XML_BYTES + b"</rsm:CrossIndustryInvoice>"
    with pytest.raises(EInvoiceError, match="exceeds"):
        read_einvoice(huge, source="huge.xml")


@pytest.mark.timeout(10)
def test_absurdly_deep_nesting_is_refused() -> None:
    deep = b"<a>" * 100_000 + b"</a>" * 100_000
    with pytest.raises(EInvoiceError):
        read_einvoice(deep, source="deep.xml")


@pytest.mark.parametrize("data", [
    b"",
    b"   \n",
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj",
    bytes(range(256)) * 4,
    "Rechnung Nr. 471102 — Gesamtbetrag 529,87 €".encode(),
])
def test_non_xml_bytes_give_a_clean_error(data: bytes) -> None:
    with pytest.raises(EInvoiceError) as error:
        read_einvoice(data, source="file.xml")
    assert not isinstance(error.value, (UnsafeXml, NotAnInvoice))


def test_truncated_xml_gives_a_clean_error() -> None:
    xml = (SAMPLES / "facturx" / "factur-x-en16931.xml").read_bytes()
    with pytest.raises(EInvoiceError, match="not well-formed"):
        read_einvoice(xml[: len(xml) // 2], source="factur-x.xml")


@pytest.mark.parametrize("xml", [
    b"<html><body>Invoice 42</body></html>",
    b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"><ID>1</ID></Order>',
    (CII_OPEN + "<rsm:ExchangedDocument><ram:ID>PO-1</ram:ID><ram:TypeCode>220</ram:TypeCode>"
     "</rsm:ExchangedDocument></rsm:CrossIndustryInvoice>").encode(),
])
def test_xml_that_is_not_an_invoice_is_refused(xml: bytes) -> None:
    with pytest.raises(NotAnInvoice):
        read_einvoice(xml, source="other.xml")


def test_an_invoice_shell_without_number_or_total_is_an_error() -> None:
    with pytest.raises(EInvoiceError, match="neither an invoice number nor a total"):
        read_einvoice((CII_OPEN + "</rsm:CrossIndustryInvoice>").encode(), source="empty.xml")


@pytest.mark.parametrize("pdf", [
    b"",
    b"%PDF-1.4\n",
    b"not a pdf at all, just text named .pdf",
    b"<?xml version='1.0'?><a/>",
])
def test_empty_or_non_pdf_bytes_give_no_files_and_a_warning(pdf: bytes) -> None:
    scan = scan_xml_attachments(pdf)
    assert scan.files == []
    assert scan.warnings
    assert read_embedded_einvoice(pdf).reading is None


@pytest.mark.timeout(20)
def test_corrupted_factur_x_pdfs_never_raise() -> None:
    original = (SAMPLES / "facturx" / "invoice_EN16931.pdf").read_bytes()
    damaged = [
        original[: len(original) // 2],
        original[: len(original) // 10],
        original[:200] + bytes(len(original) - 200),
        original.replace(b"/EmbeddedFiles", b"/EmbeddedFilez"),
        original.replace(b"FlateDecode", b"FlateDecodX"),
        original.replace(b"endobj", b"endobx"),
        original.replace(b"/Names", b"/Kids"),
    ]
    for pdf in damaged:
        files = embedded_xml_files(pdf)
        assert isinstance(files, list)
        outcome = read_embedded_einvoice(pdf)
        assert outcome.reading is None or outcome.reading.value("invoice_number") == "F20260023"


def test_a_pdf_whose_name_tree_loops_on_itself_terminates() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    attachment = writer.add_attachment("factur-x.xml", b"<a/>")
    assert attachment is not None
    names = writer.root_object["/Names"]
    assert isinstance(names, DictionaryObject)
    reference = names.raw_get("/EmbeddedFiles")
    tree = reference.get_object()
    tree[NameObject("/Kids")] = ArrayObject([reference])  # a node that is its own child
    buffer = io.BytesIO()
    writer.write(buffer)
    started = time.perf_counter()
    scan = scan_xml_attachments(buffer.getvalue())
    assert time.perf_counter() - started < 5
    assert [name for name, _ in scan.files] == ["factur-x.xml"]
