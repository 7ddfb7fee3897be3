"""The resident ID-card (居民身份证) reader: the GA 467 readers' serial protocol (the SAM
protocol: frames.py), the card's text block (text.py), a reader over pyserial
(serial_reader.py) and an emulated reader on a pseudo-terminal serving card files
(emulated.py). docs/idcard.md describes the protocol as implemented.

Written here, not taken from a library: no package on PyPI speaks this protocol (searched for
issue 20: the registry has readers for other countries' ID cards and for magnetic-stripe
readers; the readers' vendors ship C and Windows SDKs). The protocol is small: three commands,
one frame format, an XOR checksum.

`open_idcard_reader` picks the reader config.toml's [idcard_reader] names."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import IdCardReaderConfig
    from kiosk.ports import IdCardReaderPort


def open_idcard_reader(cfg: IdCardReaderConfig) -> IdCardReaderPort | None:
    """The configured reader, or None for kind "none". IdCardReaderError when a serial
    device cannot be opened (the device and the reason)."""
    if cfg.kind == "none":
        return None
    import serial

    from kiosk.devices.idcard.emulated import EmulatedIdCardReader
    from kiosk.devices.idcard.errors import IdCardReaderError
    from kiosk.devices.idcard.serial_reader import SerialIdCardReader

    try:
        if cfg.kind == "emulated":
            return EmulatedIdCardReader(
                cfg.cards_dir, profiles_dir=cfg.profiles_dir, card=cfg.card, timeout=cfg.timeout
            )
        return SerialIdCardReader(cfg.device, baudrate=cfg.baudrate, timeout=cfg.timeout)
    except (serial.SerialException, OSError) as e:
        raise IdCardReaderError(f"ID-card reader: cannot open {cfg.device}: {e}") from None
