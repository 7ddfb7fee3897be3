"""The acquirer's tests' world: a card's financial application as the card would act (its
ARQC made with common.emv_profile's issuer-side keys and pyemv), accounts and terminals put in
the acquirer's tables, and the lab's switches over HTTP."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from dataclasses import dataclass, field, replace

import requests
from pyemv import tlv
from sqlalchemy import select, update

import common.pos8583 as p
from backoffice.acquirer.accounts import MERCHANT_NO, add_account, add_terminal
from backoffice.harness import RunningService
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqAccountRow, AcqTxnRow
from common import emv_profile
from kiosk.acquirer import AcquirerClient, SaleRequest
from kiosk.devices.epp import EmulatedEpp

TODAY = dt.date(2026, 6, 15)  # the lab's day
AT = dt.datetime(2026, 6, 15, 10, 30, 0)  # the kiosk's local time of the sales

_pan_seq = itertools.count(1)


def luhn_digit(body: str) -> str:
    for d in "0123456789":
        if emv_profile.luhn_ok(body + d):
            return d
    raise AssertionError("unreachable")


def new_finance(*, pin: str = "246810", balance_fen: int = 1_000_000) -> emv_profile.FinanceProfile:
    """A fresh card account's profile: a Luhn-valid 19-digit PAN of the lab's BIN 621234."""
    body = f"621234{secrets.randbelow(10**6):06d}{next(_pan_seq):06d}"
    return emv_profile.FinanceProfile(
        pan=body + luhn_digit(body),
        psn="01",
        expiry="301231",
        pin=pin,
        apps=("debit",),
        oda="sda",
        oda_broken=False,
        balance_fen=balance_fen,
        issuer_keys=emv_profile.TEST_ISSUER_KEYS,
    )


@dataclass
class Card:
    """The card's side of a sale: its ATC goes up by one per GENERATE AC, as a card's does."""

    finance: emv_profile.FinanceProfile
    atc: int = 0
    cvr: bytes = field(default=bytes([0x03, 0xA0, 0x00, 0x00]))

    def icc_data(self, amount_fen: int, day: dt.date, *, tamper: bool = False) -> bytes:
        """Field 55: the CDOL1 data, AIP, ATC, IAD and the ARQC over them."""
        self.atc += 1
        atc = self.atc.to_bytes(2, "big")
        terminal = {
            "9F02": bytes.fromhex(f"{amount_fen:012d}"),
            "9F03": bytes(6),
            "9F1A": emv_profile.COUNTRY_CHINA,
            "95": bytes(5),
            "5F2A": emv_profile.CURRENCY_CNY,
            "9A": bytes.fromhex(f"{day:%y%m%d}"),
            "9C": b"\x00",
            "9F37": secrets.token_bytes(4),
        }
        aip = bytes.fromhex("7C00")
        arqc = emv_profile.application_cryptogram(
            self.finance.icc_mk_ac, terminal, aip, atc, self.cvr
        )
        if tamper:
            arqc = bytes([arqc[0] ^ 1]) + arqc[1:]
        tags = {
            **terminal,
            "82": aip,
            "9F36": atc,
            "9F10": emv_profile.iad(self.cvr),
            "9F26": arqc,
            "9F27": b"\x80",
        }
        return bytes(tlv.encode(tags))

    def arpc_ok(self, issuer_auth: bytes, icc_data: bytes) -> bool:
        """The card's issuer authentication: the ARPC over its ARQC and the ARC."""
        tags = tlv.decode(icc_data)
        arpc, arc = issuer_auth[:8], issuer_auth[8:]
        expected = emv_profile.arpc(
            self.finance.icc_mk_ac, bytes(tags["9F26"]), bytes(tags["9F36"]), arc
        )
        return arpc == expected


class AcquirerLab:
    def __init__(self, svc: RunningService) -> None:
        assert svc.acquirer_port is not None, "running_service(acquirer=True)"
        self.svc = svc
        self.port = svc.acquirer_port
        self.db = Database(svc.database)
        self._terminals = itertools.count(1)
        self.http = requests.Session()

    def close(self) -> None:
        self.db.dispose()

    def new_terminal(self) -> str:
        """A fresh acquirer terminal number (8 characters), registered with its lab TMK."""
        no = f"T{secrets.randbelow(10**4):04d}{next(self._terminals):03d}"
        add_terminal(self.db, no)
        return no

    def new_card(self, **kw: object) -> Card:
        fin = new_finance(**kw)  # type: ignore[arg-type]
        add_account(self.db, fin)
        return Card(fin)

    def account(self, card: Card) -> AcqAccountRow:
        with self.db.session() as s:
            row = s.scalars(
                select(AcqAccountRow).where(AcqAccountRow.pan == card.finance.pan)
            ).one()
            return row

    def set_tries(self, card: Card, left: int) -> None:
        with self.db.session() as s:
            s.execute(
                update(AcqAccountRow)
                .where(AcqAccountRow.pan == card.finance.pan)
                .values(pin_tries_left=left)
            )
            s.commit()

    def txns(self, terminal: str) -> list[AcqTxnRow]:
        with self.db.session() as s:
            return list(s.scalars(select(AcqTxnRow).where(AcqTxnRow.terminal_no == terminal)))

    def switches(self, terminal: str, **values: float) -> dict[str, object]:
        r = self.http.post(
            f"{self.svc.url}/sim/acquirer/switches",
            json=values,
            params={"terminal": terminal},
            timeout=10,
        )
        r.raise_for_status()
        return dict(r.json())

    def totals(self, terminal: str, day: dt.date) -> dict[str, object]:
        r = self.http.get(
            f"{self.svc.url}/sim/acquirer/totals",
            params={"terminal": terminal, "date": day.isoformat()},
            timeout=10,
        )
        r.raise_for_status()
        return dict(r.json())

    def client(
        self, terminal: str, *, read_timeout: float = 5.0, epp: EmulatedEpp | None = None
    ) -> AcquirerClient:
        return AcquirerClient(
            "127.0.0.1",
            self.port,
            terminal,
            MERCHANT_NO,
            epp or EmulatedEpp(p.lab_tmk(terminal)),
            connect_timeout=2.0,
            read_timeout=read_timeout,
        )


def pin_block(epp: EmulatedEpp, pan: str, pin: str) -> bytes:
    """What the member does on the on-screen keypad: the pad encrypts inside."""
    epp.start_pin_entry(pan)
    for d in pin:
        epp.press(d)
    epp.press("enter")
    return epp.pin_block()


def sale(
    client: AcquirerClient,
    card: Card,
    *,
    trace: int,
    amount_fen: int,
    at: dt.datetime,
    pin: str | None = None,
    tamper: bool = False,
) -> SaleRequest:
    epp = client.epp
    assert isinstance(epp, EmulatedEpp)
    fin = card.finance
    track2 = emv_profile.track2_equivalent(fin.pan, fin.expiry).hex().upper().rstrip("F")
    return SaleRequest(
        trace=trace,
        at=at,
        amount_fen=amount_fen,
        pan=fin.pan,
        psn=fin.psn,
        expiry=fin.expiry[:4],
        track2=track2,
        icc_data=card.icc_data(amount_fen, at.date(), tamper=tamper),
        pin_block=pin_block(epp, fin.pan, fin.pin if pin is None else pin),
    )


def same_sale(req: SaleRequest, **changes: object) -> SaleRequest:
    return replace(req, **changes)  # type: ignore[arg-type]
