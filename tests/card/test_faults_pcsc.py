"""The card pulled mid-sequence: a CardRemovedError error within 2 s, never a hang."""

from __future__ import annotations

import threading

import pytest

from cardio.errors import CardRemovedError, ReaderUnavailable
from cardio.reader import CardReader
from cardio.security import SoftwareSecurityModule
from cardio.transport import PcscLink

pytestmark = pytest.mark.pcsc


def _read_in_thread(reader: CardReader, limit: float) -> BaseException | object:
    result: list = []
    t = threading.Thread(target=lambda: result.append(_outcome(reader)), daemon=True)
    t.start()
    t.join(limit)
    assert not t.is_alive(), f"read_card still running after {limit} s"
    return result[0]


def _outcome(reader: CardReader):
    try:
        return reader.read_card()
    except Exception as exc:
        return exc


def _apdu_count(stack) -> int:
    stack.insert("card-3.00")
    reader = CardReader(stack.reader, SoftwareSecurityModule())
    reader.read_card()
    assert reader._connection is not None  # read_card leaves the card connected
    n = reader._connection.channel.count
    reader.release()
    return n


def test_card_pulled_after_each_apdu_of_the_read_sequence(stack):
    total = _apdu_count(stack)
    assert total >= 15  # SELECT + GET RESPONSE, EF05, auth, EF06, INTERNAL AUTH
    reader = CardReader(stack.reader, SoftwareSecurityModule())
    for n in range(total):
        stack.insert("card-3.00", pull_after=n)
        outcome = _read_in_thread(reader, 2.0)
        assert isinstance(outcome, CardRemovedError), f"pulled after {n} APDUs: got {outcome!r}"
    # and with no fault the same reader reads on
    stack.insert("card-3.00")
    assert _read_in_thread(reader, 2.0).name == "张三"


def test_psam_reader_missing_is_a_clear_error(stack):
    from cardio.errors import SecurityModuleError
    from cardio.security import PsamSecurityModule

    stack.insert("card-3.00")
    module = PsamSecurityModule(lambda: PcscLink("^No PSAM here$"))
    with pytest.raises(SecurityModuleError) as err:
        CardReader(stack.reader, module).read_card()
    assert "PSAM" in str(err.value)
    with pytest.raises(ReaderUnavailable):
        PcscLink("^No PSAM here$")
