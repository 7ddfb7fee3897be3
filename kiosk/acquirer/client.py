"""The acquirer client: one short TCP connection per message (connect, send, read the matching
answer, close), MACs made and checked by the PIN pad, never with a MAK in this process.

    client = AcquirerClient("127.0.0.1", 8583, "KS000001", "898110000000001", epp)
    client.sign_on()                                   # PIK and MAK into the pad
    answer = client.purchase(SaleRequest(...))          # HostAnswer: code, rrn, auth, ARPC
    client.reverse(ReversalRequest(trace, date, fen))   # repeated until answered (00 or 25)
    client.settle(day, Totals(count, fen))              # 00 match, 95 not

A sale that raises an error with `in_doubt` (no answer, an answer whose MAC fails) may have
been charged: the caller journals that and reverses it. The reversal carries no card data
(terminal + trace + date + amount identify the sale), so a recovery that kept no PAN can send
it."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import common.pos8583 as p
from kiosk.acquirer.errors import (
    AcquirerBadAnswer,
    AcquirerError,
    AcquirerNoAnswer,
    AcquirerUnreachable,
)
from kiosk.ports import EppPort

log = logging.getLogger("kiosk.acquirer")

UNMACED_REFUSALS = frozenset({p.MAC_ERROR, p.SIGN_ON_REQUIRED, p.UNKNOWN_TERMINAL})
REVERSAL_DONE = frozenset({p.APPROVED, p.NO_ORIGINAL})  # 25: the host never saw the sale


@dataclass(frozen=True)
class SaleRequest:
    """One purchase (0200). Card data stay out of repr (no PAN, track 2 or PIN block in logs)."""

    trace: int  # field 11, 1..999999, journalled before sending
    at: dt.datetime  # the terminal's local time (fields 12, 13)
    amount_fen: int  # field 4
    pan: str = field(repr=False)  # field 2 (5A)
    psn: str  # "01" (5F34) -> field 23 "001"
    expiry: str  # YYMM (5F24) -> field 14
    track2: str = field(repr=False)  # 57 as hex digits with 'D', padding F dropped -> field 35
    icc_data: bytes = field(repr=False)  # field 55: the ARQC and the data it covers (TLV)
    pin_block: bytes = field(repr=False)  # field 52: from the PIN pad, under the PIK

    @property
    def pan_masked(self) -> str:
        return p.mask_pan(self.pan)


@dataclass(frozen=True)
class ReversalRequest:
    """The reversal (0400) of a sale: its trace, its local date, its amount, and why."""

    trace: int
    date: dt.date
    amount_fen: int
    reason: str = p.REASON_NO_ANSWER  # 98 no answer; 06 card declined after approval


@dataclass(frozen=True)
class HostAnswer:
    code: str  # field 39
    rrn: str = ""  # 37, reference number (receipt)
    auth_code: str = ""  # 38, authorization number (receipt)
    issuer_auth: bytes | None = None  # 55 tag 91: ARPC || ARC, for the card's issuer authentication
    host_totals: p.Totals | None = None  # settlement: the host's count and amount

    @property
    def approved(self) -> bool:
        return self.code == p.APPROVED

    @property
    def text_zh(self) -> str:
        return p.RESPONSE_TEXT.get(self.code, ("交易失败", ""))[0]

    @property
    def text_en(self) -> str:
        return p.RESPONSE_TEXT.get(self.code, ("", f"Declined ({self.code})"))[1]


class AcquirerClient:
    def __init__(
        self,
        host: str,
        port: int,
        terminal_no: str,
        merchant_no: str,
        epp: EppPort,
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        batch_no: int = 1,
        network_traces: Callable[[], int] | None = None,
    ) -> None:
        self.address = (host, port)
        self.terminal_no = terminal_no
        self.merchant_no = merchant_no
        self.epp = epp
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.batch_no = batch_no
        # Traces of sign-on and settlement (the host keys nothing on them); sales and
        # reversals bring their own, journalled ones.
        counter = itertools.count(int(time.time()) % 900000 + 1)
        self._network_trace = network_traces or (lambda: next(counter) % 999999 + 1)

    # -- messages ------------------------------------------------------------------------------

    def sign_on(self) -> HostAnswer:
        """0800: the host's fresh PIK and MAK go into the pad (which checks them under its TMK)."""
        trace = self._network_trace()
        f = self._base(p.SIGN_ON, trace)
        f["60"] = f"{p.MTC_NETWORK}{self.batch_no:06d}{p.NMC_SIGN_ON_DOUBLE_KEYS}"
        answer = self._exchange(f, mac=False)
        code = answer.get("39", "")
        if code == p.APPROVED:
            if "62" not in answer:
                raise AcquirerBadAnswer("sign-on answer without working keys")
            self.epp.load_working_keys(p.WorkingKeys.from_field62(answer["62"]))
            log.info("acquirer: signed on as %s", self.terminal_no)
        else:
            log.warning("acquirer: sign-on refused: %s", code)
        return HostAnswer(code)

    def purchase(self, sale: SaleRequest) -> HostAnswer:
        """0200/0210. Raises AcquirerUnreachable (nothing sent), AcquirerNoAnswer or
        AcquirerBadAnswer (in doubt: reverse)."""
        f = self._base(p.SALE, sale.trace, sale.at)
        f.update(
            {
                "2": sale.pan,
                "3": p.PROC_PURCHASE,
                "4": p.amount_field(sale.amount_fen),
                "14": sale.expiry,
                "22": p.ENTRY_ICC_PIN,
                "23": f"{int(sale.psn):03d}",
                "25": p.POS_CONDITION_NORMAL,
                "35": sale.track2.upper().rstrip("F"),
                "49": p.CURRENCY_CNY,
                "52": sale.pin_block.hex().upper(),
                "53": p.SECURITY_CONTROL,
                "55": sale.icc_data.hex().upper(),
                "60": f"{p.MTC_SALE}{self.batch_no:06d}000",
            }
        )
        answer = self._exchange(f, mac=True)
        out = _host_answer(answer)
        log.info(
            "acquirer: sale %06d of %d fen, card %s: %s",
            sale.trace,
            sale.amount_fen,
            sale.pan_masked,
            out.code,
        )
        return out

    def reverse(self, req: ReversalRequest, *, attempts: int = 3, pause: float = 0.5) -> HostAnswer:
        """0400/0410, repeated until the host answers that the sale is undone (00) or never
        was (25); a MAC refusal (A0) or "sign on" (77) signs on again first. After `attempts`
        the last error is raised: the caller keeps the reversal pending and tries later."""
        last: AcquirerError = AcquirerNoAnswer("reversal not answered")
        for i in range(max(1, attempts)):
            if i:
                time.sleep(pause)
            f = self._base(p.REVERSAL, req.trace, None)
            f.update(
                {
                    "3": p.PROC_PURCHASE,
                    "4": p.amount_field(req.amount_fen),
                    "13": f"{req.date:%m%d}",
                    "22": p.ENTRY_ICC_PIN,
                    "25": p.POS_CONDITION_NORMAL,
                    "39": req.reason,
                    "49": p.CURRENCY_CNY,
                    "60": f"{p.MTC_SALE}{self.batch_no:06d}000",
                }
            )
            try:
                if not self.epp.signed_on:
                    self.sign_on()
                answer = _host_answer(self._exchange(f, mac=True, unmaced_ok=True))
            except AcquirerError as e:
                last = e
                log.warning("acquirer: reversal %06d not answered: %s", req.trace, type(e).__name__)
                continue
            if answer.code in REVERSAL_DONE:
                log.info("acquirer: reversal %06d done: %s", req.trace, answer.code)
                return answer
            if answer.code in (p.MAC_ERROR, p.SIGN_ON_REQUIRED):
                try:
                    self.sign_on()
                except AcquirerError as e:
                    last = e
                continue
            last = AcquirerBadAnswer(f"reversal answered {answer.code}")
        raise last

    def settle(self, day: dt.date, totals: p.Totals) -> HostAnswer:
        """0500/0510: the day's sales net of reversals as the kiosk counts them; 00 if the
        host counts the same, 95 if not (the host's totals come back either way)."""
        if not self.epp.signed_on:  # its MAC needs the MAK (a kiosk restarted, no sale yet)
            self.sign_on()
        f = self._base(p.SETTLE, self._network_trace(), None)
        f["13"] = f"{day:%m%d}"
        f["49"] = p.CURRENCY_CNY
        f["60"] = f"{p.MTC_NETWORK}{self.batch_no:06d}{p.NMC_SETTLE}"
        f["62"] = totals.field62()
        answer = self._exchange(f, mac=True)
        out = _host_answer(answer)
        return HostAnswer(
            out.code,
            host_totals=p.Totals.from_field62(answer["62"]) if "62" in answer else None,
        )

    # -- the exchange --------------------------------------------------------------------------

    def _base(self, mti: str, trace: int, at: dt.datetime | None = None) -> p.Fields:
        if not 1 <= trace <= 999999:
            raise ValueError("a trace number is 1 to 999999")
        f: p.Fields = {
            "t": mti,
            "11": f"{trace:06d}",
            "41": self.terminal_no,
            "42": self.merchant_no,
        }
        if at is not None:
            f["12"] = f"{at:%H%M%S}"
            f["13"] = f"{at:%m%d}"
        return f

    def _exchange(self, f: p.Fields, *, mac: bool, unmaced_ok: bool = False) -> p.Fields:
        message = p.with_mac(f, self.epp.mac) if mac else p.encode(f)
        try:
            sock = socket.create_connection(self.address, timeout=self.connect_timeout)
        except OSError as e:
            raise AcquirerUnreachable(
                f"acquirer {self.address[0]}:{self.address[1]}: {e}"
            ) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                sock.sendall(p.frame(p.TPDU_REQUEST, message))
            except OSError as e:
                raise AcquirerNoAnswer(f"send failed: {e}") from None
            deadline = time.monotonic() + self.read_timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AcquirerNoAnswer("no answer in time")
                sock.settimeout(left)
                try:
                    _tpdu, raw = p.read_frame(sock)
                except TimeoutError:
                    raise AcquirerNoAnswer("no answer in time") from None
                except (EOFError, OSError, p.Pos8583Error) as e:
                    raise AcquirerNoAnswer(f"connection lost: {type(e).__name__}") from None
                answer = self._matching(f, raw)
                if answer is None:
                    continue  # not the answer to this message (a stray or a late duplicate)
                self._check_mac(f, answer, raw, mac=mac, unmaced_ok=unmaced_ok)
                return answer
        finally:
            sock.close()

    def _matching(self, f: p.Fields, raw: bytes) -> p.Fields | None:
        try:
            answer = p.decode(raw)
        except p.Pos8583Error:
            raise AcquirerBadAnswer("undecodable answer") from None
        same = (
            answer.get("t") == p.RESPONSE_OF[f["t"]]
            and answer.get("11") == f["11"]
            and answer.get("41") == f["41"]
        )
        return answer if same else None

    def _check_mac(
        self, f: p.Fields, answer: p.Fields, raw: bytes, *, mac: bool, unmaced_ok: bool
    ) -> None:
        if not mac:
            return
        if "64" not in answer:
            if unmaced_ok and answer.get("39") in UNMACED_REFUSALS:
                return  # a refusal the host cannot MAC (our MAK is not its): re-sign-on
            raise AcquirerBadAnswer(f"{answer.get('t')} without a MAC ({answer.get('39')})")
        if self.epp.mac(p.mac_input(raw)) != p.message_mac(raw):
            raise AcquirerBadAnswer(f"{answer.get('t')}: MAC check failed")


def _host_answer(answer: p.Fields) -> HostAnswer:
    issuer_auth = None
    if "55" in answer:
        from pyemv import tlv

        try:
            tags = tlv.decode(bytes.fromhex(answer["55"]))
            value = tags.get("91")
            issuer_auth = bytes(value) if isinstance(value, bytes | bytearray) else None
        except Exception:  # pyemv's DecodeError: an answer we cannot read the ARPC of
            issuer_auth = None
    return HostAnswer(
        code=answer.get("39", ""),
        rrn=answer.get("37", "").strip(),
        auth_code=answer.get("38", "").strip(),
        issuer_auth=issuer_auth,
    )
