"""The reliability run: liasse against both emulators under faults and SIGKILLs, then a check.

Both emulators and `liasse run` are real subprocesses on free loopback ports, each with its
own data folder so everything survives the kills. Generated PDFs are uploaded into the
Dropbox emulator over HTTP the way a Dropbox client would; a seeded timeline injects
faults (server errors, rate limits, delays, an expired token, a cursor reset) and kills
`liasse run` with SIGKILL, restarting it. At the end faults stop, liasse settles, and the
outcome is read back from liasse's database (read through the store's repositories), the
Qonto emulator's `GET /v2/supplier_invoices` and the Dropbox emulator's listing.

The pytest test and `bench/reliability.py` both call `run_reliability(RunConfig(...))`.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from liasse.domain.states import RESTING, State

DROPBOX_TOKEN = "reliability-upload-token"
WATCHED_FOLDER = "/Invoices"
# A document may rest in one of these for good: each is shown to a person (parked: with
# its error and a retry button).
VISIBLE_STATES = frozenset(state.value for state in RESTING) | {State.PARKED.value}
# Source files that never became a document: visibly ignored or duplicates.
FILE_END_STATUSES = frozenset({"duplicate", "ignored", "deleted", "skipped"})
CODE_PATTERN = re.compile(r'id="authorization-code">([^<]+)<')
DROPBOX_FAULT_ROUTES = ("files/list_folder", "files/list_folder/continue", "files/download",
                        "files/upload", "*")
QONTO_BULK = "POST /v2/supplier_invoices/bulk"


@dataclass(frozen=True)
class RunConfig:
    """How big and how hostile the run is; the same seed gives the same timeline."""

    files: int = 24
    confident_share: float = 0.6
    seed: int = 8
    kills: int = 3
    chaos_seconds: float = 40.0
    tick_seconds: float = 0.5
    fault_rate: float = 0.2
    window_seconds: float = 2.0
    settle_timeout: float = 90.0
    write_back: bool = True
    keep_dir: Path | None = None


@dataclass
class RunReport:
    files: int = 0
    faults: int = 0
    kills: int = 0
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    posted: int = 0
    seconds: float = 0.0
    workdir: str = ""

    def last_line(self) -> str:
        return (f"files {self.files} faults {self.faults} kills {self.kills} "
                f"lost {self.lost} duplicated {self.duplicated}")


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class SourceDocument:
    name: str
    content: bytes
    confident: bool


def siren_with_check(body: int) -> str:
    """Eight digits plus the Luhn check digit (SIREN numbers are Luhn-valid)."""
    digits = f"{body:08d}"
    for check in range(10):
        candidate = digits + str(check)
        total = sum(int(c) if i % 2 == 0 else sum(divmod(int(c) * 2, 10))
                    for i, c in enumerate(candidate))
        if total % 10 == 0:
            return candidate
    raise AssertionError("a Luhn check digit always exists")


def french_vat(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


CII_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>urn:factur-x.eu:1p0:minimum</ram:ID>
 </ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">{date}</udt:DateTimeString>
  </ram:IssueDateTime></rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>
  <ram:SellerTradeParty><ram:Name>{supplier}</ram:Name>
   <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{siren}</ram:ID>
   </ram:SpecifiedLegalOrganization>
   <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
   <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{vat}</ram:ID>
   </ram:SpecifiedTaxRegistration></ram:SellerTradeParty>
  <ram:BuyerTradeParty><ram:Name>Atelier Liasse SAS</ram:Name></ram:BuyerTradeParty>
 </ram:ApplicableHeaderTradeAgreement><ram:ApplicableHeaderTradeDelivery/>
 <ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
  <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
   <ram:TaxBasisTotalAmount>{net}</ram:TaxBasisTotalAmount>
   <ram:TaxTotalAmount currencyID="EUR">{tax}</ram:TaxTotalAmount>
   <ram:GrandTotalAmount>{total}</ram:GrandTotalAmount>
   <ram:DuePayableAmount>{total}</ram:DuePayableAmount>
  </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
 </ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""


def page_pdf(lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4)
    for index, line in enumerate(lines):
        drawing.drawString(72, 760 - 18 * index, line)
    drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def facturx_pdf(number: str, net: Decimal, supplier: str, siren: str) -> bytes:
    """A Factur-X PDF: the XML's number and total are also printed, so it reads at 0.99."""
    import pypdf

    tax = (net * Decimal("0.20")).quantize(Decimal("0.01"))
    total = net + tax
    xml = CII_TEMPLATE.format(number=number, date="20261102", supplier=supplier, siren=siren,
                              vat=french_vat(siren), net=net, tax=tax, total=total)
    page = page_pdf([supplier, f"FACTURE {number}", "Date 02/11/2026",
                     f"Total HT {net} EUR", f"TVA 20 % {tax} EUR", f"Total TTC {total} EUR"])
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(page)))
    writer.add_attachment("factur-x.xml", xml.encode())
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def plain_pdf(number: str, net: Decimal) -> bytes:
    """A page with little to go on: it should wait for a person, never be posted."""
    return page_pdf([f"Ref {number}", "Merci pour votre visite", f"Montant {net}"])


def make_documents(count: int, confident_share: float, seed: int) -> list[SourceDocument]:
    rng = random.Random(seed)
    documents = []
    for index in range(count):
        number = f"REL-{seed}-{index:05d}"
        net = Decimal(rng.randrange(1_000, 500_000)) / 100
        if rng.random() < confident_share:
            siren = siren_with_check(10_000_000 + index * 7_919 + seed)
            content = facturx_pdf(number, net, f"Fournisseur {index % 7} SARL", siren)
            documents.append(SourceDocument(f"facture-{number}.pdf", content, True))
        else:
            documents.append(SourceDocument(f"scan-{number}.pdf", plain_pdf(number, net), False))
    return documents


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def liasse_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "liasse", *args]


class Process:
    """One subprocess with its output in a log file; killed or stopped by its own pid."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self._argv = argv
        self._env = env
        self._log = log_dir / f"{name}.log"
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as log:
            log.write(f"=== harness: starting {self.name} at {time.time():.3f}\n".encode())
            self._popen = subprocess.Popen(self._argv, env=self._env, stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        if self._popen is not None and self._popen.poll() is None:
            self._popen.send_signal(signal.SIGKILL)
            self._popen.wait(timeout=10)

    def stop(self) -> None:
        if self._popen is None or self._popen.poll() is not None:
            return
        self._popen.send_signal(signal.SIGTERM)
        try:
            self._popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        if not self._log.exists():
            return ""
        return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])


def wait_until(predicate: Callable[[], bool], timeout: float, what: str,
               step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (httpx.HTTPError, OSError):
            pass  # not up yet
        time.sleep(step)
    raise TimeoutError(f"timed out waiting for {what}")


@dataclass
class Stack:
    """Both emulators, liasse's home and the `liasse run` process, all under one folder."""

    root: Path
    window_seconds: float
    write_back: bool = True
    dropbox_url: str = ""
    qonto_url: str = ""
    qonto_key: str = ""
    processes: dict[str, Process] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.root / "home"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("LIASSE_")}
        env.update({
            "LIASSE_HOME": str(self.home),
            "LIASSE_QONTO__MODE": "off",
            "LIASSE_DROPBOX__BASE_URL": self.dropbox_url,
            "LIASSE_SYNC__WINDOW_MINUTES": str(self.window_seconds / 60),
            "LIASSE_SYNC__UNTHROTTLED": "true",
            "LIASSE_WEB__PORT": str(self.web_port),
            "PYTHONUNBUFFERED": "1",
        })
        return env

    web_port: int = 0

    def start_emulators(self) -> None:
        self.web_port = free_port()
        dropbox_port, qonto_port = free_port(), free_port()
        self.dropbox_url = f"http://127.0.0.1:{dropbox_port}"
        self.qonto_url = f"http://127.0.0.1:{qonto_port}"
        self.qonto_key = f"reliability:{secrets.token_hex(12)}"
        self._spawn("dropbox", liasse_command(
            "emulate", "dropbox", "--port", str(dropbox_port), "--data",
            str(self.root / "dropbox-data"), "--token", DROPBOX_TOKEN, "--auto-approve"))
        self._spawn("qonto", liasse_command(
            "emulate", "qonto", "--port", str(qonto_port), "--data",
            str(self.root / "qonto-data"), "--seed", "empty", "--api-key", self.qonto_key))
        wait_until(lambda: httpx.get(f"{self.dropbox_url}/_admin/faults").is_success,
                   30, "the Dropbox emulator")
        wait_until(lambda: httpx.get(f"{self.qonto_url}/v2/organization").status_code > 0,
                   30, "the Qonto emulator")

    def _spawn(self, name: str, argv: list[str]) -> Process:
        process = Process(name, argv, self.env(), self.root)
        process.start()
        self.processes[name] = process
        return process

    def liasse(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(liasse_command(*args), env=self.env(), input=stdin,
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"liasse {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def set_up_liasse(self) -> None:
        self.liasse("init")
        self.liasse("connect", "qonto", "--api-key-stdin", "--base-url", self.qonto_url,
                    stdin=self.qonto_key + "\n")
        # The watched folder exists before it is connected (connect checks it).
        made = dropbox_rpc(self, "files/create_folder_v2", {"path": WATCHED_FOLDER})
        assert made.status_code in (200, 409), made.text
        self.connect_dropbox_with_oauth()

    def connect_dropbox_with_oauth(self) -> None:
        """The real flow (so the token can expire and be refreshed): URL, approve, paste code."""
        write_back = "--write-back" if self.write_back else "--no-write-back"
        process = subprocess.Popen(
            liasse_command("connect", "dropbox", "--folder", WATCHED_FOLDER, write_back),
            env=self.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        assert process.stdout is not None and process.stdin is not None
        url = ""
        while not url.startswith("http"):
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("liasse connect dropbox printed no address")
            url = line.strip()
        page = httpx.get(url, follow_redirects=True).text
        found = CODE_PATTERN.search(page)
        if found is None:
            raise RuntimeError(f"the emulator showed no code: {page[:200]}")
        process.stdin.write(found.group(1) + "\n")
        process.stdin.close()
        output = process.stdout.read()
        if process.wait(timeout=60) != 0:
            raise RuntimeError(f"liasse connect dropbox failed: {output}")

    def start_liasse(self) -> None:
        self._spawn("liasse", liasse_command("run"))

    def kill_liasse(self) -> None:
        self.processes["liasse"].kill()

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.stop()


@contextmanager
def running_stack(config: RunConfig) -> Iterator[Stack]:
    if config.keep_dir is not None:
        config.keep_dir.mkdir(parents=True, exist_ok=True)
        root = Path(tempfile.mkdtemp(prefix="reliability-", dir=config.keep_dir))
        stack = Stack(root, config.window_seconds, config.write_back)
        try:
            yield stack
        finally:
            stack.stop_all()
        return
    with tempfile.TemporaryDirectory(prefix="liasse-reliability-") as tmp:
        stack = Stack(Path(tmp), config.window_seconds, config.write_back)
        try:
            yield stack
        finally:
            stack.stop_all()


# --------------------------------------------------------------------------- Dropbox HTTP


def dropbox_rpc(stack: Stack, route: str, arg: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{stack.dropbox_url}/2/{route}", json=arg, timeout=30,
                      headers={"Authorization": f"Bearer {DROPBOX_TOKEN}"})


def upload(stack: Stack, path: str, content: bytes, attempts: int = 20) -> None:
    """`files/upload` as a Dropbox client sends it; injected faults are retried like one."""
    headers = {"Authorization": f"Bearer {DROPBOX_TOKEN}",
               "Content-Type": "application/octet-stream",
               "Dropbox-API-Arg": json.dumps({"path": path, "mode": "add",
                                              "autorename": False})}
    for _ in range(attempts):
        answer = httpx.post(f"{stack.dropbox_url}/2/files/upload", content=content,
                            headers=headers, timeout=60)
        if answer.is_success:
            return
        time.sleep(0.2)
    raise RuntimeError(f"could not upload {path}: {answer.status_code} {answer.text[:200]}")


def dropbox_listing(stack: Stack, folder: str) -> list[dict[str, Any]]:
    httpx.delete(f"{stack.dropbox_url}/_admin/faults")
    answer = dropbox_rpc(stack, "files/list_folder", {"path": folder, "recursive": True})
    answer.raise_for_status()
    page = answer.json()
    entries = list(page["entries"])
    while page["has_more"]:
        answer = dropbox_rpc(stack, "files/list_folder/continue", {"cursor": page["cursor"]})
        answer.raise_for_status()
        page = answer.json()
        entries.extend(page["entries"])
    return [entry for entry in entries if entry[".tag"] == "file"]


def qonto_invoices(stack: Stack) -> list[dict[str, Any]]:
    login, _, secret = stack.qonto_key.partition(":")
    invoices: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = httpx.get(f"{stack.qonto_url}/v2/supplier_invoices",
                           params={"page": page, "per_page": 100},
                           headers={"Authorization": f"{login}:{secret}"}, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        invoices.extend(body["supplier_invoices"])
        if not body["meta"].get("next_page"):
            return invoices
        page += 1


# --------------------------------------------------------------------------- the timeline


@dataclass(order=True)
class Event:
    at: float
    kind: str
    payload: Any = field(default=None, compare=False)


def build_timeline(config: RunConfig, documents: list[SourceDocument]) -> list[Event]:
    """Every upload, fault and kill at a seeded moment within `chaos_seconds`."""
    rng = random.Random(config.seed)
    span = config.chaos_seconds
    events = [Event(rng.uniform(0, span * 0.7), "upload", document) for document in documents]
    ticks = int(span / config.tick_seconds)
    for tick in range(ticks):
        at = tick * config.tick_seconds
        if rng.random() < config.fault_rate:
            events.append(Event(at, "dropbox_fault", dropbox_fault(rng)))
        if rng.random() < config.fault_rate:
            events.append(Event(at, "qonto_fault", qonto_fault(rng)))
    events.append(Event(span * rng.uniform(0.2, 0.4), "expire_tokens"))
    events.append(Event(span * rng.uniform(0.45, 0.65), "cursor_reset"))
    # One kill is aimed: a slow Dropbox listing holds a window open while it lands.
    aimed = min(config.kills, 1)
    events.extend(Event(span * rng.uniform(0.6, 0.7), "kill_in_window", rng.uniform(0.0, 1.5))
                  for _ in range(aimed))
    events.extend(Event(rng.uniform(span * 0.1, span * 0.95), "kill", rng.uniform(0.0, 1.5))
                  for _ in range(config.kills - aimed))
    return sorted(events)


def dropbox_fault(rng: random.Random) -> dict[str, Any]:
    route = rng.choice(DROPBOX_FAULT_ROUTES)
    kind = rng.choices(["server_error", "rate_limit", "delay"], weights=[4, 2, 2])[0]
    return {"route": route, "kind": kind, "times": rng.randint(1, 2),
            "status": rng.choice([500, 502, 503]), "retry_after": 1,
            "seconds": round(rng.uniform(0.5, 4.0), 2)}


def qonto_fault(rng: random.Random) -> dict[str, Any]:
    kind = rng.choices(["server_error", "rate_limited", "delay_before", "delay_after"],
                       weights=[4, 2, 1, 3])[0]
    route = QONTO_BULK if kind in ("server_error", "delay_after") else rng.choice([QONTO_BULK,
                                                                                  "*"])
    return {"route": route, "kind": kind, "times": rng.randint(1, 2),
            "status": rng.choice([500, 502, 503]), "retry_after": 1,
            "seconds": round(rng.uniform(0.5, 4.0), 2)}


def play(stack: Stack, events: list[Event], report: RunReport) -> None:
    started = time.monotonic()
    for event in events:
        delay = event.at - (time.monotonic() - started)
        if delay > 0:
            time.sleep(delay)
        apply_event(stack, event, report)


def apply_event(stack: Stack, event: Event, report: RunReport) -> None:
    if event.kind == "upload":
        document: SourceDocument = event.payload
        upload(stack, f"{WATCHED_FOLDER}/{document.name}", document.content)
    elif event.kind == "dropbox_fault":
        httpx.post(f"{stack.dropbox_url}/_admin/faults", json=event.payload).raise_for_status()
        report.faults += 1
    elif event.kind == "qonto_fault":
        # The Qonto control route replaces the rules in force: one at a time.
        httpx.post(f"{stack.qonto_url}/_emulator/faults",
                   json={"rules": [event.payload]}).raise_for_status()
        report.faults += 1
    elif event.kind == "expire_tokens":
        httpx.post(f"{stack.dropbox_url}/_admin/tokens/expire").raise_for_status()
        report.faults += 1
    elif event.kind == "cursor_reset":
        httpx.post(f"{stack.dropbox_url}/_admin/journal/compact").raise_for_status()
        httpx.post(f"{stack.dropbox_url}/_admin/faults", json={
            "route": "files/list_folder/continue", "kind": "reset_cursor"}).raise_for_status()
        report.faults += 1
    elif event.kind == "kill_in_window":
        httpx.post(f"{stack.dropbox_url}/_admin/faults", json={
            "route": "files/list_folder/continue", "kind": "delay", "seconds": 8.0,
        }).raise_for_status()
        time.sleep(stack.window_seconds + 3.0)
        apply_event(stack, Event(event.at, "kill", event.payload), report)
    elif event.kind == "kill":
        if not stack.processes["liasse"].alive():
            report.problems.append("liasse run died on its own: "
                                   + stack.processes["liasse"].log_tail(5))
        stack.kill_liasse()
        report.kills += 1
        time.sleep(event.payload)
        stack.start_liasse()


def stop_faults(stack: Stack) -> None:
    httpx.delete(f"{stack.dropbox_url}/_admin/faults").raise_for_status()
    httpx.delete(f"{stack.qonto_url}/_emulator/faults").raise_for_status()


# --------------------------------------------------------------------------- what liasse holds


@dataclass(frozen=True)
class FileRow:
    path: str
    status: str
    duplicate: bool
    document_id: str | None


@dataclass(frozen=True)
class DocumentRow:
    id: str
    file_name: str
    state: str
    invoice_number: str | None
    qonto_invoice_id: str | None
    audit_last_after: str | None
    audit_events: int


@dataclass(frozen=True)
class Snapshot:
    files: list[FileRow]
    documents: dict[str, DocumentRow]
    pending_outbox: int

    def settled(self, expected_paths: set[str]) -> bool:
        seen = {row.path for row in self.files}
        return (expected_paths <= seen and self.pending_outbox == 0
                and all(row.state in VISIBLE_STATES for row in self.documents.values())
                and all(row.document_id or row.status in FILE_END_STATUSES
                        for row in self.files))


def read_snapshot(home: Path) -> Snapshot:
    """liasse's own view, read through the store's repositories (the only place with SQL)."""
    from liasse.store import repo as store_repo
    from liasse.store.db import make_engine, make_session_factory
    from liasse.store.documents_repo import DocumentRepo
    from liasse.store.outbox_repo import OutboxRepo
    from liasse.store.source_files_repo import SourceFileRepo

    engine = make_engine(f"sqlite:///{home / 'liasse.db'}")
    try:
        with make_session_factory(engine).begin() as session:
            workspaces = store_repo.list_all_workspaces(session)
            repo = DocumentRepo(session, workspaces[0].id)
            outbox = OutboxRepo(session, workspaces[0].id)
            files_repo = SourceFileRepo(session, workspaces[0].id)
            files = [FileRow(row.path, row.status, row.duplicate, row.document_id)
                     for row in files_repo.list_source_files(limit=100_000)]
            documents = {}
            for document in repo.list_documents(limit=100_000):
                # Events that are not transitions (a write-back) carry no `after`.
                moves = [event for event in repo.audit_trail(document.id) if event.after]
                documents[document.id] = DocumentRow(
                    document.id, document.file_name, document.state, document.invoice_number,
                    document.qonto_invoice_id, moves[-1].after if moves else None, len(moves))
            pending = [item for item in outbox.list_outbox(limit=100_000)
                       if item.status not in ("done", "failed")]
            return Snapshot(files, documents, len(pending))
    finally:
        engine.dispose()


def wait_for_settling(stack: Stack, expected: set[str], timeout: float) -> Snapshot:
    deadline = time.monotonic() + timeout
    snapshot = read_snapshot(stack.home)
    while time.monotonic() < deadline:
        if snapshot.settled(expected):
            return snapshot
        time.sleep(1.0)
        snapshot = read_snapshot(stack.home)
    return snapshot


# --------------------------------------------------------------------------- the verdict


POSTED_STATES = frozenset({State.POSTED.value, State.MATCHED.value, State.FILED_BACK.value})


def judge(stack: Stack, documents: list[SourceDocument], snapshot: Snapshot,
          report: RunReport) -> None:
    expected = {f"{WATCHED_FOLDER}/{document.name}": document for document in documents}
    check_every_file_is_visible(expected, snapshot, report)
    check_qonto_holds_each_posted_once(stack, snapshot, report)
    check_dropbox_writes(stack, report)
    check_audit(snapshot, report)
    report.states = dict(Counter(row.state for row in snapshot.documents.values()))
    report.posted = sum(row.state in POSTED_STATES for row in snapshot.documents.values())


def check_every_file_is_visible(expected: dict[str, SourceDocument], snapshot: Snapshot,
                                report: RunReport) -> None:
    rows: dict[str, list[FileRow]] = {}
    for row in snapshot.files:
        rows.setdefault(row.path, []).append(row)
    for path, document in expected.items():
        found = rows.get(path, [])
        if len(found) != 1:
            report.lost += not found
            report.duplicated += max(0, len(found) - 1)
            report.problems.append(f"{path}: {len(found)} source rows")
            continue
        row = found[0]
        state = snapshot.documents[row.document_id].state if row.document_id else None
        if state not in VISIBLE_STATES:
            report.lost += 1
            report.problems.append(f"{path}: file {row.status}, document {state}")
        elif document.confident and state not in POSTED_STATES:
            report.problems.append(f"{path}: confident Factur-X ended {state}, not posted")


def check_qonto_holds_each_posted_once(stack: Stack, snapshot: Snapshot,
                                       report: RunReport) -> None:
    """One Qonto supplier invoice per posted document, and per invoice uploaded.

    A bulk request's `meta` lists every item of its batch, so an invoice is tied to its
    document by file name (unique in this run), then to the invoice number liasse read.
    """
    by_file_name = {row.file_name: row for row in snapshot.documents.values()}
    per_document: Counter[str] = Counter()
    per_number: Counter[str] = Counter()
    for invoice in qonto_invoices(stack):
        row = by_file_name.get(invoice["file_name"])
        if row is None:
            report.duplicated += 1
            report.problems.append(f"Qonto invoice {invoice['file_name']} has no liasse record")
            continue
        per_document[row.id] += 1
        per_number[row.invoice_number or row.id] += 1
    for number, count in per_number.items():
        if count > 1:
            report.duplicated += count - 1
            report.problems.append(f"invoice {number}: {count} Qonto supplier invoices")
    for row in snapshot.documents.values():
        if row.state in POSTED_STATES and per_document[row.id] == 0:
            report.lost += 1
            report.problems.append(f"{row.file_name}: {row.state} in liasse, absent from Qonto")
        if row.state == State.APPROVED.value:
            report.lost += 1
            report.problems.append(f"{row.file_name}: approved but never posted")


def check_dropbox_writes(stack: Stack, report: RunReport) -> None:
    """liasse only ever adds processed copies: one per invoice number at most."""
    written: Counter[str] = Counter()
    for entry in dropbox_listing(stack, WATCHED_FOLDER):
        if "/processed/" in entry["path_lower"]:
            found = re.search(r"rel-\d+-\d+", entry["path_lower"])
            written[found.group(0) if found else entry["path_lower"]] += 1
    for number, count in written.items():
        if count > 1:
            report.duplicated += count - 1
            report.problems.append(f"{number}: written back {count} times to Dropbox")


def check_audit(snapshot: Snapshot, report: RunReport) -> None:
    for row in snapshot.documents.values():
        if row.audit_events == 0 or row.audit_last_after != row.state:
            report.problems.append(
                f"{row.file_name}: audit trail ends at {row.audit_last_after!r} "
                f"({row.audit_events} transitions) but the document is {row.state}")


# --------------------------------------------------------------------------- the run


def run_reliability(config: RunConfig, echo: Callable[[str], None] = lambda line: None
                    ) -> RunReport:
    report = RunReport()
    started = time.monotonic()
    documents = make_documents(config.files, config.confident_share, config.seed)
    report.files = len(documents)
    with running_stack(config) as stack:
        report.workdir = str(stack.root)
        stack.start_emulators()
        upload_folder(stack)
        stack.set_up_liasse()
        stack.start_liasse()
        echo(f"stack up in {time.monotonic() - started:.1f} s; playing the timeline")
        play(stack, build_timeline(config, documents), report)
        stop_faults(stack)
        echo(f"faults stopped at {time.monotonic() - started:.1f} s; settling")
        expected = {f"{WATCHED_FOLDER}/{document.name}" for document in documents}
        if not stack.processes["liasse"].alive():
            report.problems.append("liasse run had died: " + stack.processes["liasse"].log_tail())
            stack.start_liasse()
        wait_for_settling(stack, expected, config.settle_timeout)
        stack.processes["liasse"].stop()
        judge(stack, documents, read_snapshot(stack.home), report)
    report.seconds = time.monotonic() - started
    return report


def upload_folder(stack: Stack) -> None:
    answer = dropbox_rpc(stack, "files/create_folder_v2", {"path": WATCHED_FOLDER})
    if answer.status_code not in (200, 409):
        answer.raise_for_status()
