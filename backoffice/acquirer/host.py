"""The acquirer host's answers: one ISO 8583 message in, one out (docs/payments.md, "The
acquirer").

- 0800 sign-on: fresh PIK and MAK for the terminal, sent under its TMK with check values (62).
- 0200 sale: MAC, card account (PAN + PSN), expiry, ARQC, PIN, funds; the answer carries the
  ARPC (55, tag 91). Keyed by (terminal, trace, date): the key is claimed first, in the same
  database transaction as the debit, so a repeated 0200 answers what the first got (94 if its
  content differs) and never charges twice.
- 0400 reversal: finds the sale by the same key; undoes a charge once; a second reversal
  answers what the first did; a reversal of a sale the host never saw answers 25 and leaves a
  tombstone, so that sale, arriving late, is refused (94) and never charges.
- 0500 settlement: the terminal's count and amount of the day's sales net of reversals
  against the host's: 00 when they match, 95 when not; the host's totals in 62.

Messages after sign-on carry a MAC (field 64, ANSI X9.19 under the MAK); one that fails is
answered A0 without a MAC and changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import common.pos8583 as p
from backoffice.acquirer import issuer
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqAccountRow, AcqTerminalRow, AcqTxnRow
from common import emv_profile

log = logging.getLogger("backoffice.acquirer")

FORMAT_ERROR = "30"


@dataclass(frozen=True)
class Answer:
    """An answer's fields (without 64) and whether it is MACed under the terminal's MAK."""

    fields: p.Fields
    mac_key: bytes | None  # None: sent without a MAC (sign-on, A0, unknown terminal)


def _hash(*parts: object) -> str:
    return hashlib.sha256("|".join(str(x) for x in parts).encode()).hexdigest()


class AcquirerHost:
    def __init__(
        self,
        db: Database,
        *,
        now: Callable[[], dt.datetime],
        today: Callable[[], dt.date],
        issuer_keys: Callable[[str], emv_profile.IssuerMasterKeys] | None = None,
    ) -> None:
        self.db = db
        self._now = now  # naive UTC, as stored
        self._today = today  # the host's business date (the city's)
        self._issuer_keys = issuer_keys or (lambda _name: emv_profile.TEST_ISSUER_KEYS)

    # --- dispatch ----------------------------------------------------------------------------

    def answer(self, message: bytes) -> bytes:
        """The encoded answer to one encoded message (raises p.Pos8583Error on garbage)."""
        return self.encode(self.handle(message))

    def encode(self, a: Answer, *, spoil_mac: bool = False) -> bytes:
        if a.mac_key is None:
            return p.encode(a.fields)
        key = a.mac_key

        def mac(data: bytes) -> bytes:
            m = p.retail_mac(key, data)
            return bytes(b ^ 0xFF for b in m) if spoil_mac else m

        return p.with_mac(a.fields, mac)

    def handle(self, message: bytes) -> Answer:
        f = p.decode(message)
        mti = f["t"]
        terminal_no = f.get("41", "")
        if mti not in p.RESPONSE_OF:
            return Answer(self._echo(f, p.RESPONSE_OF.get(mti, "0810"), FORMAT_ERROR), None)
        term = self._terminal(terminal_no, f.get("42", ""))
        if term is None:
            return Answer(self._echo(f, p.RESPONSE_OF[mti], p.UNKNOWN_TERMINAL), None)
        if mti == p.SIGN_ON:
            return self._sign_on(f, term)
        if term.mak_under_tmk is None or term.pik_under_tmk is None:
            return Answer(self._echo(f, p.RESPONSE_OF[mti], p.SIGN_ON_REQUIRED), None)
        tmk = bytes.fromhex(term.tmk_hex)
        mak = p.unwrap(tmk, bytes.fromhex(term.mak_under_tmk))
        if "64" not in f or p.retail_mac(mak, p.mac_input(message)) != p.message_mac(message):
            log.warning("acquirer: %s from %s refused: MAC check failed", mti, terminal_no)
            return Answer(self._echo(f, p.RESPONSE_OF[mti], p.MAC_ERROR), None)
        pik = p.unwrap(tmk, bytes.fromhex(term.pik_under_tmk))
        if mti == p.SALE:
            return Answer(self._sale(f, pik), mak)
        if mti == p.REVERSAL:
            return Answer(self._reversal(f), mak)
        return Answer(self._settle(f), mak)

    # --- helpers -----------------------------------------------------------------------------

    def _terminal(self, terminal_no: str, merchant_no: str) -> AcqTerminalRow | None:
        with self.db.session() as s:
            row = s.get(AcqTerminalRow, terminal_no)
            if row is None or row.merchant_no != merchant_no:
                return None
            return row

    def _echo(self, f: p.Fields, mti: str, code: str) -> p.Fields:
        """An answer echoing the request's identifying fields, with the host's time."""
        local = self._local_now()
        out: p.Fields = {"t": mti}
        for k in ("2", "3", "4", "11", "14", "22", "23", "25", "41", "42", "49", "60"):
            if k in f:
                out[k] = f[k]
        out["12"] = f"{local:%H%M%S}"
        out["13"] = f"{local:%m%d}"
        out["39"] = code
        return out

    def _local_now(self) -> dt.datetime:
        # The stored clock is naive UTC; the host's business date is the city's (lab: fixed).
        now = self._now()
        return dt.datetime.combine(self._today(), now.time())

    def txn_date(self, mmdd: str) -> dt.date:
        """The terminal's MMDD with a year: this year, or last year's when this year's would be
        more than a day ahead of the host (a sale of 31 Dec settled on 1 Jan)."""
        today = self._today()
        month, day = int(mmdd[:2]), int(mmdd[2:])
        try:
            d = dt.date(today.year, month, day)
        except ValueError:  # 29 Feb of a year without one: last leap year's is not meant either
            raise p.Pos8583Error(f"no such date {mmdd}") from None
        return d if d <= today + dt.timedelta(days=1) else d.replace(year=today.year - 1)

    # --- sign-on -----------------------------------------------------------------------------

    def _sign_on(self, f: p.Fields, term: AcqTerminalRow) -> Answer:
        tmk = bytes.fromhex(term.tmk_hex)
        pik = psec_key()
        mak = psec_key()
        keys = p.WorkingKeys(
            p.wrap(tmk, pik), p.check_value(pik), p.wrap(tmk, mak), p.check_value(mak)
        )
        with self.db.session() as s:
            s.execute(
                update(AcqTerminalRow)
                .where(AcqTerminalRow.terminal_no == term.terminal_no)
                .values(
                    pik_under_tmk=keys.pik_under_tmk.hex(),
                    mak_under_tmk=keys.mak_under_tmk.hex(),
                    signed_on_at=self._now(),
                )
            )
            s.commit()
        out = self._echo(f, p.SIGN_ON_RESP, p.APPROVED)
        out["62"] = keys.field62()
        log.info("acquirer: terminal %s signed on: new working keys", term.terminal_no)
        return Answer(out, None)

    # --- sale --------------------------------------------------------------------------------

    def _sale(self, f: p.Fields, pik: bytes) -> p.Fields:
        need = ("2", "3", "4", "11", "13", "22", "35", "52", "55")
        if any(k not in f for k in need) or f["3"] != p.PROC_PURCHASE:
            return self._echo(f, p.SALE_RESP, FORMAT_ERROR)
        terminal_no = f["41"]
        stan = int(f["11"])
        date = self.txn_date(f["13"])
        amount = int(f["4"])
        psn = f.get("23", "000")[-2:]
        request_hash = _hash(f["2"], psn, amount, f["55"], f["52"])
        for _ in range(3):
            with self.db.session() as s:
                claim = AcqTxnRow(
                    terminal_no=terminal_no,
                    stan=stan,
                    txn_date=date,
                    state="pending",
                    request_hash=request_hash,
                    pan_masked=p.mask_pan(f["2"]),
                    amount_fen=amount,
                    business_date=self._today(),
                    created_at=self._now(),
                )
                s.add(claim)
                try:
                    s.flush()  # the key is claimed first: the writer's lock from here on
                except IntegrityError:
                    s.rollback()
                    earlier = s.get(AcqTxnRow, (terminal_no, stan, date))
                    if earlier is None:
                        continue  # a claim rolled back meanwhile: claim again
                    return self._repeat(f, earlier, request_hash)
                out = self._decide(s, f, claim, pik, date)
                s.commit()
                return out
        return self._echo(f, p.SALE_RESP, p.SYSTEM_ERROR)

    def _repeat(self, f: p.Fields, earlier: AcqTxnRow, request_hash: str) -> p.Fields:
        """A 0200 whose key is known: the same request gets the first answer again (nothing
        charged again); another request under a used key is a duplicate (94)."""
        if earlier.state != "tombstone" and earlier.request_hash == request_hash:
            out = cast(p.Fields, json.loads(earlier.answer_json))
            out["2"] = f["2"]  # the same request (its hash covers the PAN): echoed from it
            local = self._local_now()
            out["12"], out["13"] = f"{local:%H%M%S}", f"{local:%m%d}"
            return out
        return self._echo(f, p.SALE_RESP, p.DUPLICATE)

    def _decide(
        self, s: Session, f: p.Fields, row: AcqTxnRow, pik: bytes, date: dt.date
    ) -> p.Fields:
        pan = f["2"]
        psn = f.get("23", "000")[-2:]
        amount = row.amount_fen
        out = self._echo(f, p.SALE_RESP, p.APPROVED)
        out["37"] = f"{date:%y%m%d}{row.stan:06d}"
        row.rrn = out["37"]
        account = s.scalars(select(AcqAccountRow).where(AcqAccountRow.pan == pan)).first()

        def done(code: str, icc: issuer.IccCheck | None = None) -> p.Fields:
            out["39"] = code
            row.response_code = code
            if row.state == "pending":
                row.state = "declined"
            if icc is not None and icc.ok and account is not None:
                keys = self._issuer_keys(account.issuer_key)
                out["55"] = issuer.issuer_auth_data(account.pan, account.psn, keys, icc, code)
            # Kept to answer a repeated 0200; without field 2: the full PAN is kept only
            # where the account is found by it (acq_account.pan).
            row.answer_json = json.dumps({k: v for k, v in out.items() if k != "2"})
            return out

        if account is None or account.psn != psn or account.status != "active":
            return done(p.NO_SUCH_CARD)
        row.account_id = account.id
        if (f.get("14") and f["14"] != account.expiry) or account.expiry < f"{date:%y%m}":
            return done(p.EXPIRED_CARD)
        try:
            icc_data = issuer.parse_icc(f["55"])
        except ValueError:
            return done(p.DO_NOT_HONOR)
        icc = issuer.check_arqc(icc_data, pan, account.psn, self._issuer_keys(account.issuer_key))
        if not icc.ok or icc.atc <= account.last_atc:
            log.warning(
                "acquirer: card %s declined: %s", p.mask_pan(pan), icc.reason or "ATC replayed"
            )
            return done(p.DO_NOT_HONOR)
        if icc_data["9F02"].hex() != f["4"]:  # the card signed another amount than asked
            return done(p.DO_NOT_HONOR)
        account.last_atc = icc.atc
        if account.pin_tries_left <= 0:
            return done(p.PIN_TRIES_EXCEEDED, icc)
        if not issuer.pin_matches(bytes.fromhex(f["52"]), pik, pan, account.pin_offset):
            account.pin_tries_left -= 1
            return done(p.PIN_TRIES_EXCEEDED if account.pin_tries_left <= 0 else p.WRONG_PIN, icc)
        account.pin_tries_left = account.pin_tries_max
        s.flush()
        debited = cast(
            CursorResult[Any],
            s.execute(
                update(AcqAccountRow)
                .where(AcqAccountRow.id == account.id, AcqAccountRow.balance_fen >= amount)
                .values(balance_fen=AcqAccountRow.balance_fen - amount)
            ),
        )
        if not debited.rowcount:
            return done(p.INSUFFICIENT_FUNDS, icc)
        row.state = "approved"
        row.charges = 1
        row.auth_code = f"{secrets.randbelow(10**6):06d}"
        out["38"] = row.auth_code
        log.info(
            "acquirer: sale %s/%06d approved: %d fen from %s",
            row.terminal_no,
            row.stan,
            amount,
            p.mask_pan(pan),
        )
        return done(p.APPROVED, icc)

    # --- reversal ----------------------------------------------------------------------------

    def _reversal(self, f: p.Fields) -> p.Fields:
        if any(k not in f for k in ("4", "11", "13")):
            return self._echo(f, p.REVERSAL_RESP, FORMAT_ERROR)
        key = (f["41"], int(f["11"]), self.txn_date(f["13"]))
        reason = f.get("39", p.REASON_NO_ANSWER)
        now = self._now()
        for _ in range(3):
            with self.db.session() as s:
                s.add(
                    AcqTxnRow(
                        terminal_no=key[0],
                        stan=key[1],
                        txn_date=key[2],
                        state="tombstone",
                        amount_fen=int(f["4"]),
                        response_code="",
                        reversal_code=p.NO_ORIGINAL,
                        reversal_reason=reason,
                        business_date=self._today(),
                        created_at=now,
                        reversed_at=now,
                    )
                )
                try:
                    s.commit()  # no sale under this key: it never will charge now
                    log.info("acquirer: reversal %s/%06d found no sale (25)", key[0], key[1])
                    return self._echo(f, p.REVERSAL_RESP, p.NO_ORIGINAL)
                except IntegrityError:
                    s.rollback()
                code = self._undo(s, key, reason, now)
                if code is not None:
                    return self._echo(f, p.REVERSAL_RESP, code)
        return self._echo(f, p.REVERSAL_RESP, p.SYSTEM_ERROR)

    def _undo(
        self, s: Session, key: tuple[str, int, dt.date], reason: str, now: dt.datetime
    ) -> str | None:
        """Reverse the sale under `key` once; the code every reversal of it answers."""
        row = s.get(AcqTxnRow, key, with_for_update=True)
        if row is None:
            return None
        if row.reversal_code is not None:
            return row.reversal_code  # reversed (or found nothing) before: the same answer
        if row.state == "approved" and row.account_id is not None:
            s.execute(
                update(AcqAccountRow)
                .where(AcqAccountRow.id == row.account_id)
                .values(balance_fen=AcqAccountRow.balance_fen + row.amount_fen)
            )
            row.state = "reversed"
            log.info("acquirer: sale %s/%06d reversed (reason %s)", key[0], key[1], reason)
        # A declined sale took nothing: 00, nothing to undo.
        row.reversal_code = p.APPROVED
        row.reversal_reason = reason
        row.reversed_at = now
        s.commit()
        return p.APPROVED

    # --- settlement --------------------------------------------------------------------------

    def totals(self, terminal_no: str, day: dt.date) -> p.Totals:
        """The day's sales of a terminal net of reversals: approved and not reversed."""
        with self.db.session() as s:
            count, amount = s.execute(
                select(func.count(), func.coalesce(func.sum(AcqTxnRow.amount_fen), 0)).where(
                    AcqTxnRow.terminal_no == terminal_no,
                    AcqTxnRow.txn_date == day,
                    AcqTxnRow.state == "approved",
                )
            ).one()
        return p.Totals(int(count), int(amount))

    def _settle(self, f: p.Fields) -> p.Fields:
        if "62" not in f or "13" not in f:
            return self._echo(f, p.SETTLE_RESP, FORMAT_ERROR)
        theirs = p.Totals.from_field62(f["62"])
        ours = self.totals(f["41"], self.txn_date(f["13"]))
        out = self._echo(f, p.SETTLE_RESP, p.APPROVED if theirs == ours else p.SETTLE_MISMATCH)
        out["62"] = ours.field62()
        return out


def psec_key() -> bytes:
    """A fresh double-length DES key with odd parity."""
    import psec

    return psec.des.adjust_key_parity(secrets.token_bytes(16))
