"""The kiosk's configuration: config.toml loaded with tomllib into frozen dataclasses.

Every key is declared once, here, with its type and its limits; the loader checks each value
against that declaration and raises one `ConfigError` naming the file, the key, what was
expected and what was found. Missing keys take the defaults below (the shipped config.toml
states them all, commented).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import typing
import zoneinfo
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

import common.pos8583 as pos
from common.emv_profile import TEST_CA_KEY, CaPublicKey
from kiosk.domain.zone import DEFAULT_ZONE_NAME, zone_named
from kiosk.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config.toml"
ENV_VAR = "KIOSK_CONFIG"


def _key(
    *,
    default: Any,
    min: float | None = None,
    max: float | None = None,
    choices: tuple[Any, ...] | None = None,
    pattern: str | None = None,
    path: str | None = None,
    zone: bool = False,
) -> Any:
    """Declare a config key. `path` is "file" (must exist), "optional-file" ("" = unused),
    "output" (a place the kiosk writes to; its folder is created when needed) or "folder"
    (resolved only: the part that reads it says when it is missing). `zone`: an
    IANA time zone name zoneinfo knows."""
    meta = {
        "min": min,
        "max": max,
        "choices": choices,
        "pattern": pattern,
        "path": path,
        "zone": zone,
    }
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class TerminalConfig:
    id: str = _key(default="KIOSK-0001", pattern=r"[A-Za-z0-9-]{1,32}")
    hall_name: str = _key(default="市社会保险服务大厅")
    hall_name_en: str = _key(default="City Social Insurance Service Hall")
    # Where a member is sent when the kiosk is out of service (the attract screen says it).
    counter: str = _key(default="一楼大厅人工服务窗口")
    counter_en: str = _key(default="the staffed counters on the ground floor")
    # The hall's IANA zone: every time shown or printed and every "today" (checked at load).
    timezone: str = _key(default=DEFAULT_ZONE_NAME, zone=True)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zone_named(self.timezone)


@dataclass(frozen=True)
class UIConfig:
    language: str = _key(default="zh", choices=("zh", "en"))
    large_text: bool = _key(default=False)
    large_text_scale: float = _key(default=1.4, min=1.4, max=2.0)
    window_mode: str = _key(default="window", choices=("fullscreen", "borderless", "window"))
    width: int = _key(default=1280, min=640, max=3840)
    height: int = _key(default=800, min=480, max=3840)
    show_cursor: bool = _key(default=False)
    # Anti-aliasing samples per pixel (0, 2, 4): every page is axis-aligned rectangles and text,
    # and on software GL (llvmpipe) 2 samples made each redraw cost 2-3 times as much.
    multisamples: int = _key(default=0, choices=(0, 2, 4))
    font_path: Path = _key(
        default=Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), path="file"
    )
    voice: bool = _key(default=True)


@dataclass(frozen=True)
class TimeoutConfig:
    page: int = _key(default=45, min=30, max=60)
    pin: int = _key(default=40, min=30, max=60)
    payment: int = _key(default=300, min=60, max=300)
    warning: int = _key(default=20, min=20, max=30)


@dataclass(frozen=True)
class CardReaderConfig:
    kind: str = _key(default="pcsc", choices=("pcsc",))
    reader_pattern: str = _key(default="Virtual PCD 00 00")
    use_pinpad: bool = _key(default=True)


@dataclass(frozen=True)
class SecurityModuleConfig:
    kind: str = _key(default="software", choices=("software", "psam"))
    psam_reader_pattern: str = _key(default="Virtual PCD 00 01")
    keys_file: Path | None = _key(default=None, path="optional-file")


@dataclass(frozen=True)
class ReceiptPrinterConfig:
    kind: str = _key(default="network", choices=("network", "usb", "serial", "none"))
    host: str = _key(default="127.0.0.1")
    port: int = _key(default=9100, min=1, max=65535)
    usb_vendor: int = _key(default=0x0416, min=0, max=0xFFFF)
    usb_product: int = _key(default=0x5011, min=0, max=0xFFFF)
    serial_device: str = _key(default="/dev/ttyS0")
    baudrate: int = _key(default=9600, choices=(9600, 19200, 38400, 57600, 115200))
    status_timeout: float = _key(default=1.0, min=0.1, max=10.0)


@dataclass(frozen=True)
class A4PrinterConfig:
    queue: str = _key(default="KioskA4", pattern=r"[A-Za-z0-9_.-]{1,127}")
    server: str = _key(default="", pattern=r"(|[A-Za-z0-9_.-]+(:[0-9]{1,5})?)")
    job_timeout: int = _key(default=60, min=5, max=600)


@dataclass(frozen=True)
class BackOfficeConfig:
    url: str = _key(default="http://127.0.0.1:8750", pattern=r"https?://[^\s/]+(/\S*)?")
    api_key: str = _key(default="demo-key-KIOSK-0001")
    connect_timeout: float = _key(default=3.0, min=0.1, max=60.0)
    read_timeout: float = _key(default=10.0, min=0.1, max=120.0)
    ca_file: Path | None = _key(default=None, path="optional-file")
    client_cert: Path | None = _key(default=None, path="optional-file")
    client_key: Path | None = _key(default=None, path="optional-file")
    signing_key_file: Path | None = _key(default=None, path="optional-file")
    card_session: bool = _key(default=False)


@dataclass(frozen=True)
class JournalConfig:
    path: Path = _key(default=Path("var/journal.sqlite3"), path="output")


@dataclass(frozen=True)
class PaymentsConfig:
    qr_poll_interval: float = _key(default=2.0, min=0.5, max=10.0)
    qr_timeout: int = _key(default=120, min=30, max=300)
    recovery_interval: int = _key(default=60, min=10, max=600)


@dataclass(frozen=True)
class LoggingConfig:
    dir: Path = _key(default=Path("var/log"), path="output")
    level: str = _key(default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    max_bytes: int = _key(default=5_000_000, min=10_000, max=1_000_000_000)
    backups: int = _key(default=10, min=1, max=100)


@dataclass(frozen=True)
class AuditConfig:
    path: Path = _key(default=Path("var/audit"), path="output")
    # The HMAC key that chains the records (hex, 0600, outside the audit folder): created only
    # when the log holds no record yet; a log with records and no key stops the kiosk.
    key_file: Path = _key(default=Path("var/audit.key"), path="output")
    # Six months at least (the rules for who did what); whole month files are deleted after.
    retention_days: int = _key(default=190, min=183, max=3660)


@dataclass(frozen=True)
class HeartbeatConfig:
    # Seconds between heartbeats; the fleet page marks a kiosk "not seen" after three missed.
    interval: int = _key(default=60, min=5, max=600)


@dataclass(frozen=True)
class HealthConfig:
    # Seconds between checks of the reader, the back office and the A4 printer (kiosk.health);
    # a device is called missing after two failed checks in a row, back at its first good one.
    interval: float = _key(default=5.0, min=1.0, max=60.0)


@dataclass(frozen=True)
class EmvConfig:
    """The card's bank application (cardio.emv, docs/card-emv.md)."""

    # CA public keys for offline data authentication: a TOML file of [[ca_key]] tables
    # (rid, index, modulus hex, exponent); None = the built-in TEST key (demo and tests only).
    ca_keys_file: Path | None = _key(default=None, path="optional-file")
    country_code: str = _key(default="0156", pattern=r"\d{4}")  # 9F1A, ISO 3166 numeric
    currency_code: str = _key(default="0156", pattern=r"\d{4}")  # 5F2A, ISO 4217 numeric

    def ca_keys(self) -> tuple[CaPublicKey, ...]:
        """The configured CA keys; a bad file raises ConfigError naming the entry and key."""
        if self.ca_keys_file is None:
            return (TEST_CA_KEY,)
        name = str(self.ca_keys_file)
        try:
            doc = tomllib.loads(self.ca_keys_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(name, "", "a readable TOML file of [[ca_key]]", str(e)) from None
        entries = doc.get("ca_key")
        if not isinstance(entries, list) or not entries:
            raise ConfigError(name, "[[ca_key]]", "one or more [[ca_key]] tables", "none")
        keys = []
        for n, entry in enumerate(entries, start=1):
            label = f"[[ca_key]] #{n}"
            rid, index = entry.get("rid"), entry.get("index")
            modulus, exponent = entry.get("modulus"), entry.get("exponent", 3)
            if not isinstance(rid, str) or not re.fullmatch(r"[0-9A-Fa-f]{10}", rid):
                raise ConfigError(name, f"{label} rid", "10 hex digits", repr(rid))
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= 255:
                raise ConfigError(name, f"{label} index", "an integer 0 to 255", repr(index))
            if not isinstance(modulus, str) or not re.fullmatch(
                r"([0-9A-Fa-f]{2}){64,248}", modulus
            ):
                raise ConfigError(name, f"{label} modulus", "64 to 248 bytes in hex", "other")
            if exponent not in (3, 65537):
                raise ConfigError(name, f"{label} exponent", "3 or 65537", repr(exponent))
            keys.append(CaPublicKey(bytes.fromhex(rid), index, bytes.fromhex(modulus), exponent))
        return tuple(keys)


@dataclass(frozen=True)
class AcquirerConfig:
    """The acquirer host the kiosk sends card sales to (ISO 8583 over TCP, docs/payments.md)."""

    host: str = _key(default="127.0.0.1", pattern=r"[A-Za-z0-9_.:-]{1,253}")
    port: int = _key(default=8583, min=1, max=65535)
    terminal_no: str = _key(default="KS000001", pattern=r"[A-Za-z0-9]{8}")  # field 41
    merchant_no: str = _key(default="898110000000001", pattern=r"[A-Za-z0-9]{15}")  # field 42
    connect_timeout: float = _key(default=3.0, min=0.1, max=60.0)
    read_timeout: float = _key(default=10.0, min=0.1, max=120.0)


@dataclass(frozen=True)
class EppConfig:
    """The encrypting PIN pad (kiosk.devices): the emulated pad fed by the on-screen keypad,
    or a serial pad (its own keys; it holds its TMK itself)."""

    kind: str = _key(default="emulated", choices=("emulated", "serial"))
    device: str = _key(default="/dev/ttyUSB0")
    baudrate: int = _key(default=9600, choices=(9600, 19200, 38400, 57600, 115200))
    timeout: float = _key(default=2.0, min=0.1, max=30.0)
    # kind = "emulated": the terminal master key, 32 hex digits in this file;
    # None = the lab TMK of the acquirer terminal number (demo and tests only).
    tmk_file: Path | None = _key(default=None, path="optional-file")

    def tmk(self, terminal_no: str) -> bytes:
        """The emulated pad's TMK; a bad file raises ConfigError naming [epp] tmk_file."""
        if self.tmk_file is None:
            return pos.lab_tmk(terminal_no)
        label = "[epp] tmk_file"
        try:
            text = self.tmk_file.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(str(self.tmk_file), label, "a readable text file", str(e)) from None
        if not re.fullmatch(r"[0-9A-Fa-f]{32}", text):
            # The key itself is never echoed: only its shape.
            raise ConfigError(
                str(self.tmk_file), label, "32 hex digits (a double-length key)", "other text"
            )
        return bytes.fromhex(text)


@dataclass(frozen=True)
class IdCardReaderConfig:
    """The resident ID-card reader (kiosk.devices.idcard, docs/idcard.md): none, the emulated
    reader (a pty peer serving card files), or a GA 467 reader on a serial line."""

    kind: str = _key(default="none", choices=("none", "emulated", "serial"))
    device: str = _key(default="/dev/ttyUSB1")
    baudrate: int = _key(default=115200, choices=(9600, 19200, 38400, 57600, 115200))
    timeout: float = _key(default=3.0, min=0.1, max=30.0)
    # kind = "emulated": the card files, the seeded card profiles their `profile` keys name,
    # and the card on the reader at start ("" = none; the demo panel places one).
    cards_dir: Path = _key(default=REPO_ROOT / "kiosk/devices/idcard/cards", path="folder")
    profiles_dir: Path = _key(default=Path("var/demo/cards"), path="folder")
    card: str = _key(default="", pattern=r"[A-Za-z0-9_-]{0,64}")


@dataclass(frozen=True)
class CameraConfig:
    """The camera of the face check (kiosk.devices.camera, docs/face.md): none, the emulated
    camera (the lab's face photos: the demo and the tests) or a V4L2 camera."""

    kind: str = _key(default="none", choices=("none", "emulated", "v4l2"))
    # kind = "v4l2": the device, the picture size asked of it (frames are sent at most 640 px
    # wide), and its format ("auto": MJPEG when offered, else YUYV).
    device: str = _key(default="/dev/video0", pattern=r"/dev/[A-Za-z0-9/_.:-]{1,128}")
    width: int = _key(default=640, min=320, max=1920)
    height: int = _key(default=480, min=240, max=1080)
    pixel_format: str = _key(default="auto", choices=("auto", "mjpeg", "yuyv"))
    # Seconds between the frames taken while the screen asks for the turn.
    interval: float = _key(default=0.15, min=0.05, max=1.0)
    # kind = "emulated": the folder of the lab's face photos and who stands in front.
    photos: Path = _key(default=Path("var/faces"), path="folder")
    subject: str = _key(
        default="member", choices=("member", "someone_else", "no_face", "photo", "gone")
    )


@dataclass(frozen=True)
class KioskConfig:
    terminal: TerminalConfig = field(default_factory=TerminalConfig)
    ui: UIConfig = field(default_factory=UIConfig)
    timeouts: TimeoutConfig = field(default_factory=TimeoutConfig)
    card_reader: CardReaderConfig = field(default_factory=CardReaderConfig)
    security_module: SecurityModuleConfig = field(default_factory=SecurityModuleConfig)
    receipt_printer: ReceiptPrinterConfig = field(default_factory=ReceiptPrinterConfig)
    a4_printer: A4PrinterConfig = field(default_factory=A4PrinterConfig)
    backoffice: BackOfficeConfig = field(default_factory=BackOfficeConfig)
    journal: JournalConfig = field(default_factory=JournalConfig)
    payments: PaymentsConfig = field(default_factory=PaymentsConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    heartbeat: HeartbeatConfig = field(default_factory=HeartbeatConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    emv: EmvConfig = field(default_factory=EmvConfig)
    acquirer: AcquirerConfig = field(default_factory=AcquirerConfig)
    epp: EppConfig = field(default_factory=EppConfig)
    idcard_reader: IdCardReaderConfig = field(default_factory=IdCardReaderConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    source: Path | None = None


def config_path() -> Path:
    """The file to load: $KIOSK_CONFIG if set, else the repo's config.toml."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_CONFIG


def load_config(path: str | os.PathLike[str] | None = None) -> KioskConfig:
    """Load and check a config file; raise ConfigError on the first bad value."""
    p = Path(path) if path is not None else config_path()
    name = str(p)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(name, "", "a config file", "no such file") from None
    except OSError as e:
        raise ConfigError(name, "", "a readable config file", e.strerror or str(e)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(name, "", "UTF-8 text", f"an invalid byte at offset {e.start}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(name, "", "valid TOML", _toml_error_text(e, raw)) from None
    return parse_config(data, source=p)


def parse_config(data: dict[str, Any], source: Path | None = None) -> KioskConfig:
    """Build a KioskConfig from parsed TOML; relative paths resolve against source's folder."""
    name = str(source) if source else "<config>"
    base = source.resolve().parent if source else Path.cwd()
    sections: dict[str, Any] = {}
    section_fields = {f.name: f for f in fields(KioskConfig) if f.name != "source"}
    for sec_name, value in data.items():
        if sec_name not in section_fields:
            raise ConfigError(
                name,
                f"[{sec_name}]",
                "a known section",
                "an unknown section",
                _did_you_mean(sec_name, section_fields),
            )
        if not isinstance(value, dict):
            raise ConfigError(
                name, sec_name, f"a table [{sec_name}]", f"{_type_name(value)} {value!r}"
            )
        cls = _section_type(section_fields[sec_name])
        sections[sec_name] = _parse_section(cls, sec_name, value, name, base)
    for sec_name, f in section_fields.items():
        if sec_name not in sections:
            sections[sec_name] = _parse_section(_section_type(f), sec_name, {}, name, base)
    return KioskConfig(**sections, source=source)


def _section_type(f: Any) -> type:
    cls: type = typing.get_type_hints(KioskConfig)[f.name]  # each section is a dataclass
    return cls


def _parse_section(cls: type, sec: str, values: dict[str, Any], file: str, base: Path) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in values:
        if key not in known:
            raise ConfigError(
                file,
                f"[{sec}] {key}",
                "a known key",
                "an unknown key",
                _did_you_mean(key, known),
            )
    kwargs: dict[str, Any] = {}
    for fname, f in known.items():
        label = f"[{sec}] {fname}"
        if fname in values:
            value = _check_value(values[fname], hints[fname], f.metadata, label, file, base)
        else:
            value = f.default if f.default is not MISSING else None
            if isinstance(value, Path) and f.metadata.get("path"):
                value = _check_path(str(value), f.metadata["path"], label, file, base)
        kwargs[fname] = value
    return cls(**kwargs)


def _check_value(value: Any, hint: Any, meta: Any, label: str, file: str, base: Path) -> Any:
    wanted = _base_type(hint)
    if wanted is Path:
        if not isinstance(value, str):
            raise ConfigError(file, label, "a path (string)", f"{_type_name(value)} {value!r}")
        return _check_path(value, meta["path"], label, file, base)
    ok = (
        (wanted is bool and isinstance(value, bool))
        or (wanted is int and isinstance(value, int) and not isinstance(value, bool))
        or (wanted is float and isinstance(value, int | float) and not isinstance(value, bool))
        or (wanted is str and isinstance(value, str))
    )
    if not ok:
        raise ConfigError(file, label, f"{_TYPE_WORDS[wanted]}", f"{_type_name(value)} {value!r}")
    if wanted is float:
        value = float(value)
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        shown = " or ".join(repr(c) for c in choices)
        raise ConfigError(file, label, f"one of {shown}", repr(value))
    lo, hi = meta.get("min"), meta.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(file, label, f"a value from {lo} to {hi}", repr(value))
    pattern = meta.get("pattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        raise ConfigError(file, label, f"text matching {pattern}", repr(value))
    if meta.get("zone"):
        try:
            zone_named(value)
        except ValueError:
            raise ConfigError(
                file, label, 'an IANA time zone name, e.g. "Asia/Shanghai"', repr(value)
            ) from None
    return value


def _check_path(value: str, kind: str, label: str, file: str, base: Path) -> Path | None:
    if kind == "optional-file" and value == "":
        return None
    p = Path(value).expanduser()
    if not p.is_absolute():
        p = base / p
    if kind in ("file", "optional-file") and not p.is_file():
        found = "a folder" if p.is_dir() else "no such file"
        raise ConfigError(file, label, "an existing file", f"{value!r}: {found}")
    return p


def _base_type(hint: Any) -> type:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    wanted: type = args[0] if args else hint  # X | None -> X; a plain X as it is
    return wanted


_TYPE_WORDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _type_name(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _did_you_mean(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _toml_error_text(e: tomllib.TOMLDecodeError, raw: bytes) -> str:
    # Python 3.11's message already ends with "(at line L, column C)"; keep it as the reader
    # sees it, and make sure line and column are there on every version.
    msg = str(e)
    lineno, colno = getattr(e, "lineno", None), getattr(e, "colno", None)  # Python 3.14 on
    if "line" not in msg and lineno is not None:
        msg += f" (at line {lineno}, column {colno})"  # pragma: no cover
    return f"a syntax error: {msg}"
