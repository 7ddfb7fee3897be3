"""The kiosk's font files: Noto Sans CJK SC (regular and a real bold) when installed, else the
configured font; and the Material Icons font. No Kivy here: bootstrap registers what this
module finds.

Debian ships Noto Sans CJK only as collections (.ttc, ten faces each: JP, KR, SC, TC, HK and
their Mono variants). Kivy's SDL2 text provider opens a file at face 0, which is the Japanese
face (Japanese glyph shapes for shared Han characters), so the SC face is copied once into a
standalone .otf in a cache folder and that file is registered."""

from __future__ import annotations

import array
import hashlib
import io
import mmap
import os
import struct
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

Buffer = bytes | bytearray | mmap.mmap

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
NOTO_REGULAR = NOTO_DIR / "NotoSansCJK-Regular.ttc"
NOTO_BOLD = NOTO_DIR / "NotoSansCJK-Bold.ttc"
NOTO_SC_FAMILY = "Noto Sans CJK SC"
ICON_FONT = Path(
    "/usr/share/fonts/truetype/material-design-icons-iconfont/MaterialIcons-Regular.ttf"
)
# Debian's codepoint map of the icon font (name: hex), the source of screens/icons.py.
ICON_CODEPOINTS = Path("/usr/share/fonts-material-design-icons-iconfont/scss/_variables.scss")
ICON_FONT_NAME = "KioskIcons"

# Regular text in Noto too (True), or only bold text (False: regular text stays in the
# configured font). Memory is the trade-off: Kivy opens a FreeType face per font file and pixel
# size, and a Noto CJK face costs ~2.3 MB (its CFF subroutines are copied per face; 0.7 MB
# once setup has flattened them, screens/font_flatten.py, which it does for bold only) against
# ~0.3 MB for WenQuanYi. Measured with every page built before the flattening (tests' driver,
# 1280x800): peak RSS 194 MB all WenQuanYi, 197 MB Noto for bold only, 228 MB Noto for both;
# after large-text mode too 199 / 204 / 264 MB. Fewer distinct sizes (theme.FONT_ROLES) shrink
# the Noto cost.
NOTO_FOR_REGULAR = False  # bold only: issue 19 holds peak RSS to 200 MB (197 vs 228 MB above)


class FontFileError(ValueError):
    """A font file is not the kind of file expected (not a collection, no such face)."""


@dataclass(frozen=True)
class TextFaces:
    """The files of the text font: `bold` is `regular` when the font has no bold file (then
    Kivy's bold text looks like its regular text)."""

    family: str
    regular: Path
    bold: Path

    @property
    def has_bold(self) -> bool:
        return self.bold != self.regular


def text_faces(fallback: Path, cache_dir: Path | None = None) -> TextFaces:
    """Noto Sans CJK SC regular and bold when both collections are installed (regular from
    `fallback` when NOTO_FOR_REGULAR is off; bold flattened when setup has done it), else
    `fallback` for both (the configured font, e.g. WenQuanYi Micro Hei, which has no bold)."""
    if NOTO_REGULAR.is_file() and NOTO_BOLD.is_file():
        folder = cache_dir or font_cache_dir()
        try:
            bold = extract_face(NOTO_BOLD, NOTO_SC_FAMILY, folder)
            if flat_path(bold).is_file():  # made by setup (screens/font_flatten.py)
                bold = flat_path(bold)
            regular = (
                extract_face(NOTO_REGULAR, NOTO_SC_FAMILY, folder) if NOTO_FOR_REGULAR else fallback
            )
            return TextFaces(NOTO_SC_FAMILY, regular, bold)
        except (OSError, FontFileError):
            pass  # a damaged or unexpected collection: the configured font still works
    return TextFaces(fallback.stem, fallback, fallback)


def flat_path(face: Path) -> Path:
    """Where setup writes `face` with its CFF subroutines inlined (screens/font_flatten.py):
    the same glyphs at 0.7 instead of 2.5 MB for each size Kivy opens. The extracted face's
    name carries its collection's version, so a new collection means a new flattened file."""
    return face.with_name(face.stem + "-flat.otf")


def font_cache_dir() -> Path:
    """Where extracted faces live: $KIOSK_FONT_CACHE, else ~/.cache/kiosk-fonts, else a
    folder in the temp dir (a read-only home)."""
    env = os.environ.get("KIOSK_FONT_CACHE")
    candidates = [Path(env)] if env else []
    xdg = os.environ.get("XDG_CACHE_HOME")
    candidates.append((Path(xdg) if xdg else Path.home() / ".cache") / "kiosk-fonts")
    candidates.append(Path(tempfile.gettempdir()) / f"kiosk-fonts-{os.getuid()}")
    for c in candidates:
        try:
            c.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(c, os.W_OK):
            return c
    raise OSError("no writable folder for the font cache")


def _u16(data: Buffer, at: int) -> int:
    return int(struct.unpack_from(">H", data, at)[0])


def _u32(data: Buffer, at: int) -> int:
    return int(struct.unpack_from(">I", data, at)[0])


def collection_faces(data: Buffer) -> list[int]:
    """Offsets of each face's table directory in a TrueType/OpenType collection."""
    if data[:4] != b"ttcf":
        raise FontFileError("not a font collection (no 'ttcf' header)")
    count = _u32(data, 8)
    return [_u32(data, 12 + 4 * i) for i in range(count)]


def face_family(data: Buffer, directory: int) -> str:
    """The face's family name (name ID 1, Windows Unicode English record, else any
    Windows Unicode record)."""
    tables = _tables(data, directory)
    if b"name" not in tables:
        raise FontFileError("face has no name table")
    base, _length = tables[b"name"]
    count, strings = _u16(data, base + 2), base + _u16(data, base + 4)
    found = ""
    for i in range(count):
        rec = base + 6 + 12 * i
        platform, encoding, language, name_id, length, offset = struct.unpack_from(">6H", data, rec)
        if name_id != 1 or platform != 3 or encoding not in (1, 10):
            continue
        text = data[strings + offset : strings + offset + length].decode("utf-16-be")
        if language == 0x0409:
            return text
        found = found or text
    return found


def _tables(data: Buffer, directory: int) -> dict[bytes, tuple[int, int]]:
    count = _u16(data, directory + 4)
    out = {}
    for i in range(count):
        rec = directory + 12 + 16 * i
        tag = bytes(data[rec : rec + 4])
        out[tag] = (_u32(data, rec + 8), _u32(data, rec + 12))
    return out


def _checksum(blob: bytes | bytearray | memoryview) -> int:
    """OpenType checksum: the sum of big-endian 32-bit words, the tail padded with zeros. A C
    array, not a tuple of Python ints: a 16 MB table would otherwise briefly take ~150 MB."""
    words = array.array("I")
    if words.itemsize != 4:  # pragma: no cover - every platform Kivy runs on
        words = array.array("L")
    whole = len(blob) - len(blob) % 4
    words.frombytes(blob[:whole])
    tail = bytes(blob[whole:])
    if tail:
        words.frombytes(tail + bytes(4 - len(tail)))
    if sys.byteorder == "little":
        words.byteswap()
    return sum(words) & 0xFFFFFFFF


def write_face(data: Buffer, directory: int, out: BinaryIO) -> None:
    """Write one face of a collection as a font file of its own: its table directory, then
    its tables, each 4-byte aligned; the head table's whole-file checksum set as the OpenType
    spec says (0xB1B0AFBA minus the sum of the file with the field zeroed). The file's sum is
    the directory's plus each table's (each starts 4-byte aligned), so no table is copied."""
    view = memoryview(data)
    tables = sorted(_tables(data, directory).items())
    n = len(tables)
    entry_selector = max(0, n.bit_length() - 1)
    search_range = 16 * (1 << entry_selector)
    header = bytes(view[directory : directory + 4]) + struct.pack(
        ">4H", n, search_range, entry_selector, 16 * n - search_range
    )
    offset = 12 + 16 * n
    records: list[bytes] = []
    bodies: list[memoryview | bytearray] = []
    sums = 0
    head: bytearray | None = None
    for tag, (start, length) in tables:
        body: memoryview | bytearray = view[start : start + length]
        if tag == b"head":
            head = bytearray(body)
            head[8:12] = bytes(4)
            body = head
        checksum = _checksum(body)
        sums += checksum
        records.append(tag + struct.pack(">3I", checksum, offset, length))
        bodies.append(body)
        offset += length + (-length % 4)
    directory_blob = header + b"".join(records)
    if head is not None:
        whole = (_checksum(directory_blob) + sums) & 0xFFFFFFFF
        struct.pack_into(">I", head, 8, (0xB1B0AFBA - whole) & 0xFFFFFFFF)
    out.write(directory_blob)
    for body in bodies:
        out.write(body)
        out.write(bytes(-len(body) % 4))


def standalone_face(data: Buffer, directory: int) -> bytes:
    """One face of a collection as the bytes of a font file of its own (see write_face)."""
    buf = io.BytesIO()
    write_face(data, directory, buf)
    return buf.getvalue()


def extract_face(collection: Path, family: str, cache_dir: Path) -> Path:
    """The face named `family` of `collection`, as a standalone file in `cache_dir` (written
    once per version of the collection: its name, size and mtime are in the file's name)."""
    st = collection.stat()
    key = hashlib.sha256(
        f"{collection}|{st.st_size}|{st.st_mtime_ns}|{family}".encode()
    ).hexdigest()
    target = cache_dir / f"{collection.stem}-{family.replace(' ', '')}-{key[:12]}.otf"
    if target.is_file():
        return target
    with open(collection, "rb") as src:
        data = mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        for directory in collection_faces(data):
            if face_family(data, directory) == family:
                break
        else:
            raise FontFileError(f"{collection} has no face named {family!r}")
        write_atomically(target, lambda f: write_face(data, directory, f))
    finally:
        data.close()
    return target


def write_atomically(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """`write` a font file to `target` under a temporary name, then rename it: a second kiosk
    process starting at the same time never reads half a file."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o644)  # a shared $KIOSK_FONT_CACHE serves other users too
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
