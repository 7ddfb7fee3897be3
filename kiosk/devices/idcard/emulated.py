"""The emulated ID-card reader: a peer that speaks the reader's side of the protocol on a
pseudo-terminal, serving cards defined by TOML files, so the kiosk's SerialIdCardReader is what
talks to it (in the demo and in tests alike).

A card file (kiosk/devices/idcard/cards/*.toml, docs/idcard.md):

    [idcard]
    profile = "member-00003.toml"   # name, sex, nation, birth, ID number from a seeded card
    name = "..."                    # or each of them here
    address = "..."
    authority = "..."
    valid_from = "20160301"
    valid_to = "20360301"           # or "长期"
    photo = "showcase-3"            # a plain reference: the photo bytes are this text

A card is served exactly as its file says, a wrong check character included (that is what
such a card is for); only the kiosk's side validates."""

from __future__ import annotations

import contextlib
import os
import threading
import tomllib
import tty
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from kiosk.devices.idcard import frames as f
from kiosk.devices.idcard.errors import FrameError, IdCardReaderError
from kiosk.devices.idcard.serial_reader import SerialIdCardReader
from kiosk.devices.idcard.text import PHOTO_BYTES, IdCardReading, encode_base_info, encode_text
from kiosk.devices.pty_peer import PtyPeer

SHIPPED_CARDS: Final = Path(__file__).resolve().parent / "cards"
PHOTO_TAG: Final = b"EMU-PHOTO:"  # the emulated card's photo: this, the reference, zeros
SAM_NUMBER: Final = bytes.fromhex("00000000000000000000000000000000")
_TEXT_KEYS: Final = (
    "name",
    "sex",
    "nation",
    "birth",
    "address",
    "id_number",
    "authority",
    "valid_from",
    "valid_to",
)


class IdCardFileError(IdCardReaderError):
    """A card file cannot be used (unreadable, a key missing, its seeded profile absent)."""


@dataclass(frozen=True, repr=False)
class EmulatedCard:
    name: str  # the file's stem: what the demo panel and the tests place
    fields: dict[str, str]
    photo: bytes

    def base_info(self) -> bytes:
        return encode_base_info(encode_text(self.fields), self.photo)

    def __repr__(self) -> str:
        return f"EmulatedCard({self.name!r})"


def _profile_fields(path: Path) -> dict[str, str]:
    try:
        ef06 = tomllib.loads(path.read_text(encoding="utf-8"))["ef06"]
        return {
            "name": str(ef06["name"]),
            "sex": str(ef06["sex"]),
            "nation": f"{int(ef06['ethnicity']):02d}",
            "birth": str(ef06["birth_date"]),
            "id_number": str(ef06["id_number"]),
        }
    except (OSError, tomllib.TOMLDecodeError, KeyError, ValueError) as e:
        raise IdCardFileError(f"card profile {path}: {type(e).__name__}") from None


def load_card(path: Path, profiles_dir: Path | None = None) -> EmulatedCard:
    """One card file; a `profile` key takes the person's fields from that seeded card profile
    in `profiles_dir` (IdCardFileError if it is not there: seed first)."""
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))["idcard"]
    except (OSError, tomllib.TOMLDecodeError, KeyError) as e:
        raise IdCardFileError(f"ID card file {path}: {type(e).__name__} {e}") from None
    fields: dict[str, str] = {}
    if "profile" in spec:
        if profiles_dir is None:
            raise IdCardFileError(f"ID card file {path}: a profile, and no profiles folder")
        fields.update(_profile_fields(profiles_dir / str(spec["profile"])))
    fields.update({k: str(spec[k]) for k in _TEXT_KEYS if k in spec})
    missing = [k for k in _TEXT_KEYS if k not in fields]
    if missing:
        raise IdCardFileError(f"ID card file {path}: missing {', '.join(missing)}")
    ref = str(spec.get("photo", path.stem)).encode("utf-8")
    photo = (PHOTO_TAG + ref)[:PHOTO_BYTES].ljust(PHOTO_BYTES, b"\x00")
    try:
        encode_text(fields)
    except ValueError as e:
        raise IdCardFileError(f"ID card file {path}: {e}") from None
    return EmulatedCard(path.stem, fields, photo)


def card_names(cards_dir: Path = SHIPPED_CARDS) -> list[str]:
    return sorted(p.stem for p in cards_dir.glob("*.toml"))


class IdCardReaderPeer(PtyPeer):
    """The reader's side on a file descriptor (a pty's master). `place` and `remove` are the
    member's hand; `fault` makes the next answer to one command go wrong once:
    "checksum" (one bit flipped in CHK), "silent" (no answer), "short" (half a frame),
    "status:XX" (SW3 = XX), "pull" (the card is taken away as the command arrives)."""

    poll_seconds = 0.002

    def __init__(self, fd: int) -> None:
        super().__init__(fd, "idcard-peer")
        self._card: EmulatedCard | None = None
        self._selected = False
        self._faults: dict[tuple[int, int], str] = {}
        self._lock = threading.Lock()
        self.requests: list[tuple[int, int]] = []  # every command received, in order

    def place(self, card: EmulatedCard) -> None:
        with self._lock:
            self._card, self._selected = card, False

    def remove(self) -> None:
        with self._lock:
            self._card, self._selected = None, False

    @property
    def card(self) -> EmulatedCard | None:
        return self._card

    def fault(self, command: tuple[int, int], kind: str) -> None:
        with self._lock:
            self._faults[command] = kind

    def _serve_one(self) -> None:
        try:
            req = f.parse_request(f.read_body(self._read))
        except IdCardReaderError as e:
            if isinstance(e, FrameError) and not self._stop.is_set():
                self._send(f.answer(0x10))  # the reader's "checksum/frame of the request"
            return
        self.requests.append(req.command)
        with self._lock:
            kind = self._faults.pop(req.command, "")
            if kind == "pull":
                self._card, self._selected = None, False
            out = self._do(req)
        if kind == "silent":
            return
        if kind == "checksum":
            out = out[:-1] + bytes([out[-1] ^ 0x01])
        elif kind == "short":
            out = out[: len(out) // 2]
        elif kind.startswith("status:"):
            out = f.answer(int(kind[7:], 16))
        self._send(out)

    def _do(self, req: f.Request) -> bytes:
        cmd, card = req.command, self._card
        if cmd in (f.RESET, f.SAM_STATUS):
            return f.answer(f.OK)
        if cmd == f.SAM_ID:
            return f.answer(f.OK, SAM_NUMBER)
        if cmd == f.FIND_CARD:
            return f.answer(f.FOUND, b"\x00" * 4) if card else f.answer(f.NO_CARD)
        if cmd == f.SELECT_CARD:
            if card is None:
                return f.answer(f.SELECT_FAILED)
            self._selected = True
            return f.answer(f.OK, b"\x00" * 8)
        if cmd == f.READ_BASE:
            if card is None or not self._selected:
                return f.answer(f.READ_FAILED)
            return f.answer(f.OK, card.base_info())
        return f.answer(0x21)  # command wrong


class EmulatedIdCardReader:
    """kiosk.ports.IdCardReaderPort: a SerialIdCardReader on a pty whose other end is an
    IdCardReaderPeer serving the card files of `cards_dir`. `place(name)` / `remove()` are the
    demo panel's (and the tests') hand on the reader."""

    def __init__(
        self,
        cards_dir: Path = SHIPPED_CARDS,
        *,
        profiles_dir: Path | None = None,
        card: str = "",
        timeout: float = 3.0,
    ) -> None:
        self.cards_dir = cards_dir
        self.profiles_dir = profiles_dir
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR/NL translation: bytes as they are
        self.device = os.ttyname(self._slave)  # the serial device the kiosk's side opens
        self.peer = IdCardReaderPeer(self._master).start()
        self.reader = SerialIdCardReader(self.device, timeout=timeout)
        if card:
            self.place(card)

    def __repr__(self) -> str:
        return f"EmulatedIdCardReader({self.cards_dir})"

    def cards(self) -> list[str]:
        return card_names(self.cards_dir)

    def place(self, name: str) -> EmulatedCard:
        card = load_card(self.cards_dir / f"{name}.toml", self.profiles_dir)
        self.peer.place(card)
        return card

    def remove(self) -> None:
        self.peer.remove()

    def read_card(self) -> IdCardReading | None:
        return self.reader.read_card()

    def find_card(self) -> bool:
        return self.reader.find_card()

    def close(self) -> None:
        self.reader.close()
        self.peer.stop()
        for fd in (self._slave, self._master):
            with contextlib.suppress(OSError):
                os.close(fd)
