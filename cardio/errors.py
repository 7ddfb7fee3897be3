"""The errors cardio raises: one hierarchy, every message in Chinese and English.

`str(error)` is one line "中文 / English" fit to show a member or print on a console.
No error ever carries a PIN; card and ID numbers appear masked at most.
"""

from __future__ import annotations


class CardError(Exception):
    """Base of every cardio error."""

    zh: str = "读卡错误"
    en: str = "card error"

    def __init__(self, en: str | None = None, zh: str | None = None) -> None:
        if en is not None:
            self.en = en
        if zh is not None:
            self.zh = zh
        super().__init__(f"{self.zh} / {self.en}")


class ReaderUnavailable(CardError):
    """No PC/SC service, or no reader matching the configured pattern."""

    zh = "读卡器不可用"
    en = "card reader unavailable"


class NoCard(CardError):
    zh = "请插入社会保障卡"
    en = "no card in the reader"


class CardRemovedError(CardError):
    """The card left the reader during an operation (or before it)."""

    zh = "社会保障卡已被取出"
    en = "the card was removed"


class NotSsseCard(CardError):
    """The card does not hold the SSSE application: not a social security card."""

    zh = "不是社会保障卡"
    en = "not a social security card"


class CardDataInvalid(CardError):
    """A field read from the card does not decode; `field` names it."""

    def __init__(self, field: str, reason: str, reason_zh: str | None = None) -> None:
        self.field = field
        self.reason = reason
        super().__init__(
            en=f"card data invalid: {field}: {reason}",
            zh=f"卡内数据有误：{field}：{reason_zh or reason}",
        )


class CardNotGenuine(CardError):
    """INTERNAL AUTHENTICATE answered a cryptogram the security module rejects."""

    zh = "卡片认证失败，疑似伪卡"
    en = "the card failed authentication (not genuine)"


class SecurityModuleError(CardError):
    zh = "安全模块错误"
    en = "security module error"


class NoPinReloadKey(SecurityModuleError):
    """The security module holds no PIN-reload key: this kiosk cannot reset PINs."""

    zh = "安全模块没有重装密码密钥，本机不能重置密码"
    en = "the security module holds no PIN-reload key: PIN reset unavailable here"


class PinPolicyError(CardError):
    """A new PIN the issuer forbids (checked before anything is sent to the card)."""


class InitialPinForbidden(PinPolicyError):
    zh = "新密码不能是初始密码 123456"
    en = "the new PIN may not be the initial PIN 123456"


class PinUnchanged(PinPolicyError):
    zh = "新密码不能与原密码相同"
    en = "the new PIN must differ from the old one"


class PinFormatError(PinPolicyError):
    zh = "密码须为 4 至 12 位数字"
    en = "a PIN is 4 to 12 digits"


class PinMismatch(PinPolicyError):
    """The two entries of a new PIN differ."""

    zh = "两次输入的新密码不一致"
    en = "the two entries of the new PIN differ"


class PinResetFormatError(PinFormatError):
    """RELOAD PIN sets a PIN of exactly six digits, as the cards are issued."""

    zh = "新密码须为 6 位数字"
    en = "the new PIN is 6 digits"


class PinPadUnavailable(CardError):
    """PinPad() was asked for, but the reader offers no secure PIN entry (use ScreenPin)."""

    zh = "读卡器没有密码键盘"
    en = "the reader has no PIN pad"


class PinEntryCancelled(CardError):
    zh = "密码输入已取消"
    en = "PIN entry cancelled"


class CardStatusError(CardError):
    """The card answered a status word other than 9000; `sw` holds it."""

    def __init__(self, sw: int, command: str, en: str | None = None, zh: str | None = None) -> None:
        from cardio.status import describe

        self.sw = sw
        self.command = command
        d_zh, d_en = describe(sw)
        super().__init__(
            en=en or f"{command}: {d_en} (SW {sw:04X})",
            zh=zh or f"{command}：{d_zh}（{sw:04X}）",
        )


class WrongPin(CardStatusError):
    def __init__(self, sw: int, command: str, tries_left: int) -> None:
        self.tries_left = tries_left
        super().__init__(
            sw,
            command,
            en=f"wrong PIN, {tries_left} tries left",
            zh=f"密码错误，还可尝试 {tries_left} 次",
        )


class PinBlockedError(CardStatusError):
    def __init__(self, sw: int, command: str) -> None:
        super().__init__(sw, command, en="the PIN is blocked", zh="密码已锁定，请到柜台办理解锁")


class AuthenticationFailed(CardStatusError):
    """EXTERNAL AUTHENTICATE refused (63Cx) or blocked (6983)."""

    def __init__(self, sw: int, command: str, tries_left: int | None = None) -> None:
        self.tries_left = tries_left
        super().__init__(sw, command)


class PinReloadRefused(CardStatusError):
    """The card refused RELOAD PIN: MAC wrong (6988) or no fresh random (6984); the PIN and
    the retry counter are unchanged."""

    def __init__(self, sw: int, command: str) -> None:
        super().__init__(
            sw,
            command,
            en=f"the card refused the PIN reset (SW {sw:04X})",
            zh=f"卡片拒绝重置密码（{sw:04X}），请到柜台办理",
        )


class SecurityStatusNotSatisfied(CardStatusError):
    pass


class FileNotFound(CardStatusError):
    pass


class RecordNotFound(CardStatusError):
    pass


class WrongLength(CardStatusError):
    pass
