"""The kiosk's own payment devices: the encrypting PIN pad (epp: the port's errors and the
emulated pad; epp_serial: a serial pad and the pty peer that plays one). `open_epp` picks the
pad config.toml's [epp] names."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import EppConfig
    from kiosk.ports import EppPort


def open_epp(cfg: EppConfig, terminal_no: str) -> EppPort:
    """The configured pad. "emulated": the TMK from [epp] tmk_file, or the lab TMK of the
    acquirer terminal number; "serial": the pad on [epp] device (EppError if it cannot be
    opened: the device and the reason, nothing else)."""
    from kiosk.devices.epp import EmulatedEpp, EppError

    if cfg.kind == "emulated":
        return EmulatedEpp(cfg.tmk(terminal_no))
    import serial

    from kiosk.devices.epp_serial import SerialEpp

    try:
        return SerialEpp(cfg.device, baudrate=cfg.baudrate, timeout=cfg.timeout)
    except (serial.SerialException, OSError) as e:
        raise EppError(f"EPP: cannot open {cfg.device}: {e}") from None
