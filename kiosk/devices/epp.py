"""The encrypting PIN pad (EPP): keys in, PIN blocks and MACs out, the PIN never out.

`EmulatedEpp` is the demo's and the tests' pad: it holds the terminal master key (TMK) and the
working keys (PIK, MAK) sign-on delivers, takes digits from the on-screen keypad (`press`), and
gives back only the ISO 9564 format 0 PIN block encrypted under the PIK (psec). The digits live
in a bytearray inside the object, are wiped when the block is made or entry is cancelled, and
appear in no repr, log or exception. `kiosk.devices.epp_serial.SerialEpp` is a real pad over a
serial line with the same port (kiosk.ports.EppPort)."""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass

import common.pos8583 as p
from kiosk.errors import KioskError


class EppError(KioskError):
    message_key = "payments.epp_error"


class EppKeyError(EppError):
    """A working key was refused (its check value does not match) or is missing."""


class PinEntryError(EppError):
    """No PIN block: entry not started, too few digits, or cancelled."""

    message_key = "payments.pin_entry"


@dataclass(frozen=True)
class PinEntryState:
    digits: int  # how many digits are entered (the screen shows as many dots)
    done: bool = False  # ENTER pressed (a block can be asked for)
    cancelled: bool = False


class _Keys:
    """The pad's key store: TMK, and the working keys decrypted under it."""

    def __init__(self, tmk: bytes) -> None:
        if len(tmk) != 16:
            raise EppKeyError("the TMK is a double-length (16-byte) key")
        self._tmk = bytes(tmk)
        self.pik: bytes | None = None
        self.mak: bytes | None = None

    def unwrap_checked(self, wrapped: bytes, check: bytes, name: str) -> bytes:
        key = p.unwrap(self._tmk, wrapped)
        if not hmac.compare_digest(p.check_value(key), check):
            raise EppKeyError(f"{name} check value does not match")
        return key

    def load(self, keys: p.WorkingKeys) -> None:
        pik = self.unwrap_checked(keys.pik_under_tmk, keys.pik_check, "PIK")
        mak = self.unwrap_checked(keys.mak_under_tmk, keys.mak_check, "MAK")
        self.pik, self.mak = pik, mak

    def __repr__(self) -> str:
        return "<EPP keys>"


class EmulatedEpp:
    """kiosk.ports.EppPort in software (the demo's on-screen keypad feeds it)."""

    has_keypad = False  # digits come from the screen (`press`), not from keys of its own

    def __init__(self, tmk: bytes) -> None:
        self._keys = _Keys(tmk)
        self._lock = threading.Lock()
        self._digits = bytearray()
        self._pan: str | None = None
        self._min = 4
        self._max = 12
        self._done = False
        self._cancelled = False

    def __repr__(self) -> str:
        return "EmulatedEpp()"

    # -- keys ----------------------------------------------------------------------------------

    def load_working_keys(self, keys: p.WorkingKeys) -> None:
        with self._lock:
            self._keys.load(keys)

    def load_key(self, slot: str, wrapped: bytes, check: bytes) -> None:
        """One working key ("pik" or "mak") under the TMK, refused if its check value fails."""
        with self._lock:
            key = self._keys.unwrap_checked(wrapped, check, slot.upper())
            if slot == "pik":
                self._keys.pik = key
            elif slot == "mak":
                self._keys.mak = key
            else:
                raise EppKeyError(f"no key slot {slot!r}")

    @property
    def signed_on(self) -> bool:
        return self._keys.pik is not None and self._keys.mak is not None

    def mac(self, data: bytes) -> bytes:
        """The X9.19 MAC of `data` under the MAK (common.pos8583.retail_mac)."""
        with self._lock:
            if self._keys.mak is None:
                raise EppKeyError("no MAK: sign on first")
            return p.retail_mac(self._keys.mak, data)

    # -- PIN entry -----------------------------------------------------------------------------

    def start_pin_entry(self, pan: str, *, min_digits: int = 4, max_digits: int = 12) -> None:
        if not (4 <= min_digits <= max_digits <= 12):
            raise PinEntryError("PIN length limits out of range")
        with self._lock:
            self._wipe()
            self._pan, self._min, self._max = pan, min_digits, max_digits

    def press(self, key: str) -> PinEntryState:
        """One key of the on-screen keypad: a digit, "clear", "back", "enter" or "cancel"."""
        with self._lock:
            if self._pan is None or self._done or self._cancelled:
                raise PinEntryError("PIN entry is not open")
            if key.isdigit() and len(key) == 1:
                if len(self._digits) < self._max:
                    self._digits.append(ord(key))
            elif key == "back" and self._digits:
                self._digits[-1] = 0
                del self._digits[-1]
            elif key == "clear":
                self._wipe_digits()
            elif key == "enter":
                self._done = len(self._digits) >= self._min
            elif key == "cancel":
                self._wipe_digits()
                self._cancelled = True
            return self._state()

    def state(self) -> PinEntryState:
        with self._lock:
            return self._state()

    def pin_block(self) -> bytes:
        """The format 0 block encrypted under the PIK; the digits are wiped either way."""
        with self._lock:
            try:
                if self._pan is None or self._cancelled or not self._done:
                    raise PinEntryError("no PIN entered")
                if self._keys.pik is None:
                    raise EppKeyError("no PIK: sign on first")
                # psec takes the PIN as str: it exists only for this call, as a local.
                import psec.des  # at the first PIN block, not at start-up (common/pos8583.py)
                import psec.pinblock

                clear = psec.pinblock.encode_pinblock_iso_0(self._digits.decode("ascii"), self._pan)
                return psec.des.encrypt_tdes_ecb(self._keys.pik, clear)
            finally:
                self._wipe()

    def cancel(self) -> None:
        with self._lock:
            self._wipe()

    def _state(self) -> PinEntryState:
        return PinEntryState(len(self._digits), self._done, self._cancelled)

    def _wipe_digits(self) -> None:
        for i in range(len(self._digits)):
            self._digits[i] = 0
        self._digits.clear()

    def _wipe(self) -> None:
        self._wipe_digits()
        self._pan = None
        self._done = False
        self._cancelled = False
