"""Status words: their meaning in Chinese and English, and the typed error for each."""

from __future__ import annotations

from cardio import errors

OK = 0x9000

#: Exact status words -> (中文, English).
SW_TABLE: dict[int, tuple[str, str]] = {
    0x9000: ("成功", "OK"),
    0x6581: ("存储器错误", "memory error"),
    0x6700: ("长度错误", "wrong length"),
    0x6981: ("命令与文件结构不兼容", "command incompatible with file structure"),
    0x6982: ("安全状态不满足", "security status not satisfied"),
    0x6983: ("认证方法已锁定", "authentication method blocked"),
    0x6984: ("引用数据或随机数无效", "reference data or random invalid"),
    0x6985: ("使用条件不满足", "conditions of use not satisfied"),
    0x6986: ("没有当前文件", "no current EF"),
    0x6988: ("安全报文或 MAC 错误", "secure messaging or MAC wrong"),
    0x6A80: ("数据域参数错误", "bad data field"),
    0x6A81: ("功能不支持", "function not supported"),
    0x6A82: ("文件未找到", "file not found"),
    0x6A83: ("记录未找到", "record not found"),
    0x6A86: ("P1/P2 参数错误", "bad P1/P2"),
    0x6A88: ("密钥未找到", "key not found"),
    0x6D00: ("指令不支持", "INS not supported"),
    0x6E00: ("CLA 不支持", "CLA not supported"),
    0x9302: ("MAC 无效", "MAC invalid"),
    0x9303: ("应用已永久锁定", "application permanently locked"),
}


def describe(sw: int) -> tuple[str, str]:
    """(中文, English) meaning of a status word, including the xx-parameterised ones."""
    if sw in SW_TABLE:
        return SW_TABLE[sw]
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw1 == 0x61:
        return (f"还有 {sw2} 字节响应数据", f"{sw2} bytes waiting")
    if sw1 == 0x6C:
        return (f"Le 错误，应为 {sw2}", f"wrong Le, {sw2} is right")
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return (
            f"认证失败，还可尝试 {sw2 & 0x0F} 次",
            f"authentication failed, {sw2 & 0x0F} tries left",
        )
    return ("未知状态", "unknown status")


PIN_COMMANDS = frozenset({"VERIFY", "CHANGE PIN"})


def error_for(sw: int, command: str) -> errors.CardStatusError:
    """The typed error for a failing status word answered to `command` (a command name)."""
    sw1, sw2 = sw >> 8, sw & 0xFF
    is_pin = command in PIN_COMMANDS
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        tries = sw2 & 0x0F
        if is_pin:
            return (
                errors.PinBlockedError(sw, command)
                if tries == 0
                else errors.WrongPin(sw, command, tries)
            )
        return errors.AuthenticationFailed(sw, command, tries)
    if sw == 0x6983:
        return (
            errors.PinBlockedError(sw, command)
            if is_pin
            else errors.AuthenticationFailed(sw, command, 0)
        )
    if command == "RELOAD PIN" and sw in (0x6988, 0x6984):
        return errors.PinReloadRefused(sw, command)
    if sw == 0x6982:
        return errors.SecurityStatusNotSatisfied(sw, command)
    if sw == 0x6A82:
        return errors.FileNotFound(sw, command)
    if sw == 0x6A83:
        return errors.RecordNotFound(sw, command)
    if sw == 0x6700 or sw1 == 0x6C:
        return errors.WrongLength(sw, command)
    return errors.CardStatusError(sw, command)
