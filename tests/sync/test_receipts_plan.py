"""The pure side of the receipts export: names, folders, PDF link, the daily schedule."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader, PdfWriter

from liasse.domain.money import Money
from liasse.domain.transactions import BankTransaction
from liasse.sync import receipts_plan as plan

PARIS = ZoneInfo("Europe/Paris")


def transaction(*, settled: datetime, name: str = "OVH SAS", cents: int = 2399,
                currency: str = "EUR") -> BankTransaction:
    amount = Money(cents, currency)
    return BankTransaction(
        id="tx-1", bank_account_id="acc-1", side="debit", status="completed", amount=amount,
        local_amount=amount, operation_type="card", counterparty_name=name, label=name,
        reference="", counterparty_iban=None, settled_at=settled, emitted_at=settled,
        updated_at=settled, attachment_ids=("att-1",),
    )


def blank_pdf(with_id: bool = True) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if with_id:
        writer.generate_file_identifiers()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- sanitising ------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ('A/B\\C:D?E*F"G<H>I|J', "A-B-C-D-E-F-G-H-I-J"),
    ("tab\tand\nnewline\x00nul", "tab and newline-nul"),
    ("Trailing dots... ", "Trailing dots"),
    ("  spaced   out  ", "spaced out"),
    ("...", "fallback"),
    ("", "fallback"),
    ("/", "fallback"),
    ("Cafe\u0301 Crème", "Café Crème"),  # NFC: one code point for the é
])
def test_sanitise_name_makes_names_dropbox_accepts(raw: str, expected: str) -> None:
    assert plan.sanitise_name(raw, fallback="fallback") == expected


def test_sanitise_name_limits_length_without_leaving_a_trailing_dot() -> None:
    cleaned = plan.sanitise_name("a" * 9 + ". " + "b" * 50, fallback="x", max_length=11)
    assert cleaned == "a" * 9
    assert len(plan.sanitise_name("z" * 400, fallback="x")) == plan.MAX_NAME_LENGTH


# --- file names ------------------------------------------------------------------------------


def test_receipt_file_name_has_date_counterparty_and_amount() -> None:
    tx = transaction(settled=datetime(2024, 3, 5, 10, 0, tzinfo=UTC))
    assert plan.receipt_file_name(tx, "pdf", PARIS) == "2024-03-05_OVH SAS_23.99EUR.pdf"


def test_amount_uses_the_currencys_own_decimals() -> None:
    assert plan.format_amount(Money(123456, "EUR")) == "1234.56EUR"
    assert plan.format_amount(Money(1500, "JPY")) == "1500JPY"
    assert plan.format_amount(Money(-5, "EUR")) == "0.05EUR"


def test_date_and_month_are_read_in_the_export_time_zone() -> None:
    # 23:40 UTC on 31 January is already 1 February in Paris.
    tx = transaction(settled=datetime(2024, 1, 31, 23, 40, tzinfo=UTC))
    assert plan.receipt_file_name(tx, "pdf", PARIS).startswith("2024-02-01_")
    assert plan.group_folder_name(tx, "by_date", PARIS, None) == "2024-02"
    assert plan.group_folder_name(tx, "by_date", ZoneInfo("UTC"), None) == "2024-01"


def test_counterparty_is_sanitised_and_shortened_in_the_file_name() -> None:
    tx = transaction(settled=datetime(2024, 3, 5, 10, tzinfo=UTC), name="A/B: " + "x" * 200)
    name = plan.receipt_file_name(tx, "pdf", PARIS)
    counterparty = name.split("_")[1]
    assert counterparty.startswith("A-B- x")
    assert len(counterparty) == plan.MAX_COUNTERPARTY_LENGTH
    unnamed = transaction(settled=datetime(2024, 3, 5, 10, tzinfo=UTC), name="")
    assert plan.receipt_file_name(unnamed, "png", PARIS) == "2024-03-05_unknown_23.99EUR.png"


@pytest.mark.parametrize(("file_name", "content_type", "expected"), [
    ("scan.PDF", "application/octet-stream", "pdf"),
    ("photo", "image/jpeg", "jpg"),
    ("receipt", "image/png; charset=binary", "png"),
    ("noext", "application/x-unknown", "bin"),
    ("weird.name.with spaces", "application/pdf", "pdf"),
])
def test_file_extension(file_name: str, content_type: str, expected: str) -> None:
    assert plan.file_extension(file_name, content_type) == expected


def test_name_candidates_are_deterministic_suffixes_from_the_attachment_id() -> None:
    candidates = plan.name_candidates("2024-03-05_OVH_1.00EUR.pdf", "0f3c9a7e-1234-5678")
    assert candidates == [
        "2024-03-05_OVH_1.00EUR.pdf",
        "2024-03-05_OVH_1.00EUR_0f3c9a7e.pdf",
        "2024-03-05_OVH_1.00EUR_0f3c9a7e-1234-5678.pdf",
    ]
    long_name = "x" * 250 + ".pdf"
    assert all(len(name) <= plan.MAX_NAME_LENGTH
               for name in plan.name_candidates(long_name, "a" * 36))


def test_by_account_folder_uses_the_ledger_account_or_unassigned() -> None:
    tx = transaction(settled=datetime(2024, 3, 5, tzinfo=UTC))
    assert plan.group_folder_name(tx, "by_account", PARIS, "606400 Fournitures") == \
        "606400 Fournitures"
    assert plan.group_folder_name(tx, "by_account", PARIS, None) == "unassigned"
    assert plan.group_folder_name(tx, "by_account", PARIS, "  ") == "unassigned"


def test_root_path_is_normalised() -> None:
    assert plan.normalise_root_path("Qonto/") == "/Qonto"
    assert plan.normalise_root_path("/Finance//Qonto:Receipts/") == "/Finance/Qonto-Receipts"
    assert plan.normalise_root_path("/") == "/Qonto"


def test_receipt_key_changes_with_generation_and_connection_only() -> None:
    key = plan.receipt_key("ws", "conn", "att", 1)
    assert key == plan.receipt_key("ws", "conn", "att", 1)
    assert key != plan.receipt_key("ws", "conn", "att", 2)
    assert key != plan.receipt_key("ws", "other", "att", 1)
    assert key != plan.receipt_key("ws2", "conn", "att", 1)


# --- the link to the transaction -------------------------------------------------------------


@pytest.mark.parametrize("with_id", [True, False])
def test_pdf_gets_the_transaction_link_deterministically(with_id: bool) -> None:
    original = blank_pdf(with_id)
    linked = plan.link_to_transaction(original, "application/pdf", "tx-42", "att-7")
    metadata = PdfReader(io.BytesIO(linked)).metadata
    assert metadata is not None
    assert str(metadata[plan.PDF_TRANSACTION_KEY]) == "tx-42"
    assert str(metadata[plan.PDF_ATTACHMENT_KEY]) == "att-7"
    assert plan.link_to_transaction(original, "application/pdf", "tx-42", "att-7") == linked


def test_non_pdf_and_broken_pdf_are_kept_byte_for_byte() -> None:
    jpeg = b"\xff\xd8\xff\xe0 not really a jpeg"
    assert plan.link_to_transaction(jpeg, "image/jpeg", "tx", "att") == jpeg
    broken = b"%PDF-1.7 this is not a pdf at all"
    assert plan.link_to_transaction(broken, "application/pdf", "tx", "att") == broken


# --- the daily schedule ----------------------------------------------------------------------


def test_next_run_is_today_at_2330_paris_or_tomorrow() -> None:
    # 10 January, winter time (UTC+1): 23:30 Paris is 22:30 UTC.
    morning = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
    assert plan.next_run_after(morning) == datetime(2024, 1, 10, 22, 30, tzinfo=UTC)
    at_run_time = datetime(2024, 1, 10, 22, 30, tzinfo=UTC)
    assert plan.next_run_after(at_run_time) == datetime(2024, 1, 11, 22, 30, tzinfo=UTC)


def test_daily_run_keeps_its_wall_clock_time_across_spring_forward() -> None:
    # Paris switches to summer time on 31 March 2024 (UTC+1 → UTC+2).
    after_saturday_run = datetime(2024, 3, 30, 22, 31, tzinfo=UTC)
    sunday = plan.next_run_after(after_saturday_run)
    assert sunday == datetime(2024, 3, 31, 21, 30, tzinfo=UTC)
    assert sunday.astimezone(PARIS).strftime("%H:%M") == "23:30"
    assert sunday - datetime(2024, 3, 30, 22, 30, tzinfo=UTC) == \
        datetime(2024, 1, 2, tzinfo=UTC) - datetime(2024, 1, 1, 1, tzinfo=UTC)  # 23 hours


def test_daily_run_keeps_its_wall_clock_time_across_fall_back() -> None:
    # Back to winter time on 27 October 2024: that day lasts 25 hours.
    after_saturday_run = datetime(2024, 10, 26, 21, 31, tzinfo=UTC)
    sunday = plan.next_run_after(after_saturday_run)
    assert sunday == datetime(2024, 10, 27, 22, 30, tzinfo=UTC)
    assert sunday.astimezone(PARIS).strftime("%H:%M") == "23:30"


def test_a_time_skipped_by_the_dst_jump_runs_after_the_jump() -> None:
    before = datetime(2024, 3, 30, 23, 0, tzinfo=UTC)  # 00:00 Paris on the 31st
    run = plan.next_run_after(before, "02:30", "Europe/Paris")
    assert run == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)  # 03:30 summer time
    assert plan.next_run_after(run, "02:30", "Europe/Paris") == \
        datetime(2024, 4, 1, 0, 30, tzinfo=UTC)


def test_a_repeated_time_runs_once_the_first_time() -> None:
    before = datetime(2024, 10, 26, 23, 0, tzinfo=UTC)
    first = plan.next_run_after(before, "02:30", "Europe/Paris")
    assert first == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # 02:30 summer time
    assert plan.next_run_after(first, "02:30", "Europe/Paris") == \
        datetime(2024, 10, 28, 1, 30, tzinfo=UTC)


def test_schedule_in_another_zone_and_bad_inputs() -> None:
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert plan.next_run_after(now, "07:05", "America/New_York") == \
        datetime(2024, 6, 2, 11, 5, tzinfo=UTC)
    for bad_time in ("24:00", "7:5", "23h30", ""):
        with pytest.raises(ValueError, match="HH:MM"):
            plan.next_run_after(now, bad_time)
    with pytest.raises(ValueError, match="time zone"):
        plan.next_run_after(now, "23:30", "Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="aware"):
        plan.next_run_after(datetime(2024, 6, 1, 12, 0))


def test_accounts_with_the_same_name_get_told_apart_by_their_iban() -> None:
    names = plan.account_folder_names([
        ("a1", "Compte courant", "FR76 3000 1007 9412 3456 7890 185"),
        ("a2", "compte courant", "FR7630001007941234567890999"),
        ("a3", "Épargne: réserve", "FR7630001007941234567890111"),
        ("a4", "", ""),
    ])
    assert names == {"a1": "Compte courant 0185", "a2": "compte courant 0999",
                     "a3": "Épargne- réserve", "a4": "a4"}
