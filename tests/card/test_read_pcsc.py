"""Reading cards through pcscd + vpcd + the emulator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from smartcard import scard

from cardio.errors import CardDataInvalid, CardNotGenuine, NoCard, ReaderUnavailable
from cardio.pin import ScreenPin
from cardio.reader import CardReader
from cardio.security import SoftwareSecurityModule
from cardio.transport import PcscLink

pytestmark = pytest.mark.pcsc


def test_read_2_00_card(stack, security):
    stack.insert("card-2.00")
    info = CardReader(stack.reader, security).read_card()
    assert info.spec_version == "2.00"
    assert info.algorithm == "des3"
    assert info.name == "李明"
    assert info.id_number == "440306198511224560"
    assert info.card_number == "B44030601"
    assert info.region == "440300"
    assert info.birth_date == dt.date(1985, 11, 22)
    assert info.expiry_date == dt.date(2030, 6, 1)
    assert info.sex == "1" and info.birthplace == "440306"
    assert info.genuine


def test_read_3_00_card_with_external_authentication(stack, security):
    stack.insert("card-3.00")
    info = CardReader(stack.reader, security).read_card()
    assert (info.spec_version, info.algorithm) == ("3.00", "sm4")
    assert info.name == "张三"
    assert info.id_number == "110101199003071233"
    assert info.genuine


def test_3_00_card_locks_ef06_without_external_authentication(stack):
    stack.insert("card-3.00")
    link = PcscLink(stack.reader)
    try:
        assert (
            link.transmit(bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF"))[-2:]
            == b"\x61\x1b"
        )
        assert link.transmit(bytes.fromhex("00B2083014")) == b"\x69\x82"  # EF06 tag 08 by SFI
        assert link.transmit(bytes.fromhex("00B2072C0B"))[-2:] == b"\x90\x00"  # EF05 stays open
    finally:
        link.close()


def test_rare_name_card_reads_the_full_name(stack, reader):
    stack.insert("card-rare-name")
    assert reader.read_card().name == "欧阳堃喆"


def test_forged_card_is_detected(stack, security):
    stack.insert("card-forged")
    r = CardReader(stack.reader, security)
    with pytest.raises(CardNotGenuine):
        r.read_card()
    assert r.read_card(require_genuine=False).genuine is False


def test_corrupt_card_names_the_field(stack, reader):
    stack.insert("card-corrupt")
    with pytest.raises(CardDataInvalid) as err:
        reader.read_card()
    assert err.value.field == "id_number"
    assert "check digit" in str(err.value) and "校验位" in str(err.value)


def test_corrupt_birth_date_names_the_field(stack, reader, tmp_path: Path):
    profile = Path(__file__).resolve().parents[2] / "cardio/profiles/card-2.00.toml"
    bad = tmp_path / "bad-date.toml"
    bad.write_text(
        profile.read_text(encoding="utf-8") + '\n[raw]\n"ef06.0D" = "19851341"\n', encoding="utf-8"
    )
    stack.insert(bad)
    with pytest.raises(CardDataInvalid) as err:
        reader.read_card()
    assert err.value.field == "birth_date"


def test_admin_card_reads(stack, reader):
    stack.insert("card-admin")
    assert reader.read_card().card_number == "A00000001"


def test_no_card_in_reader(stack, reader):
    with pytest.raises(NoCard):
        reader.read_card()


def test_no_matching_reader_is_reader_unavailable(stack):
    r = CardReader("^No Such Reader$", SoftwareSecurityModule())
    with pytest.raises(ReaderUnavailable):
        r.read_card()
    assert r.card_present() is False


def test_card_swap_is_read_as_the_new_card(stack, reader):
    stack.insert("card-2.00")
    assert reader.read_card().spec_version == "2.00"
    stack.swap("card-3.00")
    assert reader.read_card().spec_version == "3.00"


def test_reset_by_another_application_is_survived(stack, reader):
    stack.insert("card-3.00")
    reader.read_card()
    other = PcscLink(stack.reader)
    other.close(reset=True)  # another client resets the card under our session
    assert reader.verify_pin(ScreenPin("246810")).initial_pin is False  # reconnects, selects again


def test_events_are_delivered_on_a_worker_thread(stack):
    import queue
    import threading

    events: queue.Queue = queue.Queue()
    r = CardReader(
        stack.reader,
        SoftwareSecurityModule(),
        on_event=lambda e: events.put((e, threading.current_thread())),
    )
    r.start()
    try:
        stack.insert("card-2.00")
        event, thread = events.get(timeout=5)
        assert event == "inserted" and thread is not threading.main_thread()
        stack.remove()
        assert events.get(timeout=5)[0] == "removed"
    finally:
        r.stop()


def test_exclusive_transaction_is_released(stack, reader):
    stack.insert("card-2.00")
    reader.read_card()
    # Another client can take the card exclusively once read_card has returned.
    rc, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    rc, card, _ = scard.SCardConnect(
        ctx, stack.reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_ANY
    )
    assert rc == scard.SCARD_S_SUCCESS
    assert scard.SCardBeginTransaction(card) == scard.SCARD_S_SUCCESS
    scard.SCardEndTransaction(card, scard.SCARD_LEAVE_CARD)
    scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
    scard.SCardReleaseContext(ctx)


def test_fast_swap_is_reported_as_removed_then_inserted(stack):
    import queue

    events: queue.Queue = queue.Queue()
    r = CardReader(stack.reader, SoftwareSecurityModule(), on_event=events.put)
    stack.insert("card-3.00")
    r.start()
    try:
        assert events.get(timeout=5) == "inserted"
        info = r.read_card()
        # swap without waiting in between: the emulator disconnects and reconnects at once
        stack.control({"cmd": "insert", "profile": "card-2.00"})
        assert events.get(timeout=5) == "removed"
        assert events.get(timeout=5) == "inserted"
        from cardio.errors import CardRemovedError

        with pytest.raises(CardRemovedError):
            r.pin_tries_left()  # the session of the card read is gone
        assert r.read_card().card_number != info.card_number
    finally:
        r.stop()
