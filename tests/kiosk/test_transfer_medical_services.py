"""The kiosk's transfer and medical handlers (kiosk.session.transfer, .medical) through
MemberServices, on the real back office over HTTP and a private cupsd with cups-pdf: the
medical voucher printed, another holder's ID number refused, a second open request and this
city refused in the back office's words with nothing recorded, the medical figures."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from backoffice.harness import running_service
from cardio.emulator import load_profile
from kiosk.domain import CardHolder
from kiosk.domain.money import Money
from kiosk.domain.transfer import TransferStep, VoucherKind
from kiosk.printing import PrintFailed, PrintService
from kiosk.session.medical import MedicalService
from kiosk.session.services import MemberServices, ServiceError
from kiosk.session.transfer import TransferService
from printer.fonts import DEFAULT_FONT_PATH
from printer.harness import cups_server
from tests.helpers.backoffice import client_for


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    cards = tmp_path_factory.mktemp("cards")
    with (
        running_service(members=12, seed=7, cards_dir=cards) as svc,
        cups_server() as cups,
        client_for(svc) as client,
    ):
        printing = PrintService(
            client,
            cups.a4_printer(),
            font_path=DEFAULT_FONT_PATH,
            hall_name="示例市社保大厅",
            terminal_id="KIOSK-T",
        )
        services = MemberServices(client, printing)
        services.add_handlers(TransferService(client, printing).handlers())
        services.add_handlers(MedicalService(client).handlers())
        try:
            yield svc, cups, client, services
        finally:
            printing.forget()


def holder_of(svc, note: str, services: MemberServices) -> tuple[CardHolder, str]:
    """The showcase's card holder (ID number from its card profile), admitted as a session's."""
    m = next(s for s in svc.report.showcases if note in s.note)
    ef06 = dict(load_profile(Path(svc.cards_dir) / m.card_file).ef06)
    holder = CardHolder(ef06[0x08].decode(), m.name, m.card_number, m.card_identifier, "110100")
    services.admit(holder.card_identifier, m.member_no)
    return holder, m.member_no


def test_the_medical_voucher_printed_through_cups(kiosk):
    svc, cups, _client, services = kiosk
    holder, member_no = holder_of(svc, "transferred in", services)
    preview = services.load("voucher_preview", holder, {"kind": "medical_transfer"})
    assert preview.kind is VoucherKind.MEDICAL
    assert preview.title.startswith("基本医疗保险参保缴费凭证 ")
    assert preview.pages >= 1 and Path(preview.image).exists()
    done = services.load("voucher_print", holder, {})
    assert done.pages == preview.pages
    pdf = cups.wait_for_output(done.job_id)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True).stdout
    # cups-pdf keeps Latin text extractable, not the CJK subset's map (tests/printer/test_cups.py)
    assert member_no.encode() in text and preview.verification_code.encode() in text


def test_another_holders_id_number_is_never_printed(kiosk):
    svc, _cups, _client, services = kiosk
    holder, _no = holder_of(svc, "transferred in", services)
    other, _ = holder_of(svc, "job changes", services)
    # #7's card with #2's ID number: the voucher attests #7's (masked), so it is refused
    impostor = CardHolder(other.id_number, holder.name, "", holder.card_identifier, "110100")
    with pytest.raises(PrintFailed) as e:
        services.load("voucher_preview", impostor, {"kind": "pension_transfer"})
    assert e.value.message_key == "print.error.other"


def test_a_second_open_request_and_this_city_are_refused_in_words(kiosk):
    svc, _cups, client, services = kiosk
    holder, member_no = holder_of(svc, "job changes", services)  # #2: one open (contacted)
    before = services.load("transfer", holder, {})
    assert before.open is not None and before.open.state is TransferStep.CONTACTED
    with pytest.raises(ServiceError) as e:
        services.load("transfer_start", holder, {"from_city": "440100"})
    assert e.value.message_zh and e.value.message_en  # the back office's own words
    with pytest.raises(ServiceError) as e:
        services.load("transfer_start", holder, {"from_city": "110100"})  # 示例市 itself
    assert e.value.message_zh
    with pytest.raises(PrintFailed) as missing:
        services.load("transfer_start", holder, {})
    assert missing.value.message_key == "transfer.choose_city"
    # nothing recorded
    assert client.transfer_requests(member_no) == before
    cities = services.load("transfer_cities", holder, {})
    assert cities.here.code == "110100" and "110100" not in {c.code for c in cities.cities}


def test_the_medical_account_and_the_years_settlements(kiosk):
    svc, _cups, _client, services = kiosk
    holder, _no = holder_of(svc, "job changes", services)
    account = services.load("medical_account", holder, {})
    settled = services.load("medical_settlements", holder, {})
    assert account.months and account.year == settled.year
    # the year's spending from the account is the settlements' account parts, month by month
    # (docs/rules.md: the account's spending is the account part of the month's settlements)
    spent = sum((s.account_paid for s in settled.settlements), Money.zero())
    assert not settled.truncated and spent == account.spending
    total = sum((s.total for s in settled.settlements), Money.zero())
    assert total == settled.all.total == settled.all.fund_paid + settled.all.member_paid
    assert settled.all.count == settled.outpatient.count + settled.inpatient.count
