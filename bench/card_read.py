"""Card inserted -> CardInfo of a 3.00 card (EXTERNAL AUTHENTICATE included), through the real
stack (pcscd + vpcd + emulator), against the same APDU sequence sent with bare pyscard
`transmit` in the same run. Median of 50 each. Goals: ratio <= 1.3, median <= 25 ms.

Run: .venv/bin/python bench/card_read.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smartcard.System import readers

from cardio.harness import card_stack
from cardio.reader import CardReader
from cardio.security import SoftwareSecurityModule
from common import card_crypto

RUNS = 50
WARMUP = 5


def record_sequence(reader_name: str) -> list[bytes]:
    """The APDUs our read sends, captured from the link."""
    from cardio.transport import PcscLink

    sent: list[bytes] = []

    class Recording(PcscLink):
        def transmit(self, apdu):
            sent.append(bytes(apdu))
            return super().transmit(apdu)

    CardReader(
        reader_name, SoftwareSecurityModule(), link_factory=lambda: Recording(reader_name)
    ).read_card()
    return sent


def bare_read(reader_obj, sequence: list[bytes], card_id: bytes) -> None:
    """The same APDUs with pyscard's own connection.transmit; the only logic is the
    EXTERNAL AUTHENTICATE cryptogram from the card's fresh random, as any reader needs."""
    conn = reader_obj.createConnection()
    conn.connect()
    key = card_crypto.card_key(card_crypto.SM4, card_crypto.TEST_KEYS.read, card_id)
    rnd = b""
    for apdu in sequence:
        if apdu[1] == 0x82:  # EXTERNAL AUTHENTICATE
            apdu = apdu[:5] + card_crypto.external_auth_cryptogram(card_crypto.SM4, key, rnd) + rnd
        data, sw1, sw2 = conn.transmit(list(apdu))
        if apdu[1] == 0x84:
            rnd = bytes(data)
        if sw1 not in (0x90, 0x61) and (sw1, sw2) != (0x6A, 0x83):  # 4E may be absent
            raise RuntimeError(f"bare sequence failed at {apdu.hex()}: {sw1:02X}{sw2:02X}")
    conn.disconnect()


def main() -> int:
    with card_stack("card-3.00") as stack:
        sequence = record_sequence(stack.reader)
        reader = CardReader(stack.reader, SoftwareSecurityModule())
        info = reader.read_card()
        card_id = bytes.fromhex(info.card_identifier)
        pc = next(r for r in readers() if str(r) == stack.reader)

        ours: list[float] = []
        bare: list[float] = []
        for i in range(WARMUP + RUNS):
            # interleaved, so both see the same machine load
            t0 = time.perf_counter()
            reader.read_card()
            t1 = time.perf_counter()
            reader.release()
            t2 = time.perf_counter()
            bare_read(pc, sequence, card_id)
            t3 = time.perf_counter()
            if i >= WARMUP:
                ours.append((t1 - t0) * 1000)
                bare.append((t3 - t2) * 1000)

    m_ours, m_bare = statistics.median(ours), statistics.median(bare)
    print(f"card: 3.00 (SM4), EXTERNAL + INTERNAL AUTHENTICATE, {RUNS} runs each")
    print(f"APDUs per read: {len(sequence)}")
    print(f"median cardio read_card(): {m_ours:.2f} ms")
    print(f"median bare pyscard transmit: {m_bare:.2f} ms")
    print(f"ratio: {m_ours / m_bare:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
