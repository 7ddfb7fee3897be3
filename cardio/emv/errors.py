"""The EMV kernel's errors, under cardio's CardError (every message Chinese and English)."""

from __future__ import annotations

from cardio.errors import CardError


class EmvError(CardError):
    """Base of the kernel's errors: the card's bank application cannot be used."""

    zh = "银行卡交易失败"
    en = "the bank card transaction failed"


class NoPaymentApplication(EmvError):
    """Neither the PSE nor a direct SELECT found an application this kiosk accepts."""

    zh = "此卡没有可用的银行卡应用，请改用扫码支付"
    en = "this card has no bank application the kiosk accepts: please pay by QR code"


class EmvDataError(EmvError):
    """The card's data is missing a mandatory object or does not decode; `what` names it."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(
            en=f"the bank card's data is invalid ({what})", zh=f"银行卡数据有误（{what}）"
        )


class OfflineAuthenticationFailed(EmvError):
    """SDA or DDA failed: the card is refused for payment. `reason` says which check (English,
    for the log; it never holds card data)."""

    def __init__(self, method: str, reason: str) -> None:
        self.method, self.reason = method, reason
        super().__init__(
            en="the bank card failed its authenticity check and cannot be used to pay "
            f"({method.upper()}: {reason})",
            zh="银行卡真实性校验未通过，不能用于支付，请改用扫码支付",
        )


class CardDeclinedOffline(EmvError):
    """The card answered an AAC to the first GENERATE AC: it refuses to go online."""

    zh = "银行卡拒绝交易"
    en = "the bank card declined the transaction"


class EmvSequenceError(EmvError):
    """A kernel step was called out of order (e.g. GENERATE AC before an application)."""

    zh = "银行卡交易步骤有误"
    en = "bank card transaction steps out of order"
