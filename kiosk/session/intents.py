"""The names the screens and the core share: what a page loads, and what a member asks for.

Both are string enums, so a name is also the key of its answer in `SessionState.data`, of its
refusal in `SessionState.errors`, and of its handler in kiosk.session.services.
"""

from __future__ import annotations

import enum


class DataKey(enum.StrEnum):
    """What a page loads on the way in (kiosk.session.machine.MENU_PAGES)."""

    SUMMARY = "summary"
    HISTORY = "history"
    ACCOUNTS = "accounts"
    BENEFITS = "benefits"
    DUES = "dues"
    ESTIMATE = "estimate"
    CARD_STATUS = "card_status"
    CERTIFICATION = "certification"  # a retiree's annual certification; None: not a retiree
    UNEMPLOYMENT = "unemployment"  # 失业保险: the standing, the registration, the claim
    SKILL_SUBSIDY = "skill_subsidy"  # 技能提升补贴: its conditions and the certificates
    TRANSFER = "transfer"  # the member's transfer-in requests (转移接续)
    TRANSFER_CITIES = "transfer_cities"  # the cities a transfer-in request may name
    MEDICAL_ACCOUNT = "medical_account"  # 医保个人账户, month by month this year
    MEDICAL_SETTLEMENTS = "medical_settlements"  # this year's 门诊 / 住院 settlements
    FLEXIBLE = "flexible"  # 灵活就业: the member's standing, plan and base (issue 17)
    MY_RECEIPTS = "my_receipts"  # 我的缴费凭证: the member's own past payments, newest first


class RequestName(enum.StrEnum):
    """A member's request from a page (kiosk.session.machine.Request): runs like a load."""

    REPORT_LOSS = "report_loss"
    CERTIFY = "certify"  # record the certification a face check proved, print the slip
    PRINT_PREVIEW = "print_preview"
    PRINT_SUBMIT = "print_submit"
    PAY_QUOTE = "pay_quote"
    PAY_CARD = "pay_card"
    PAY_QR_START = "pay_qr_start"
    PAY_QR_WAIT = "pay_qr_wait"
    PAY_CANCEL = "pay_cancel"
    UNEMPLOYMENT_REGISTER = "unemployment_register"  # 失业登记 + 求职登记
    UNEMPLOYMENT_APPLY = "unemployment_apply"  # 申领失业保险金
    UNEMPLOYMENT_STOP = "unemployment_stop"  # stopped on re-employment
    UNEMPLOYMENT_ACK = "unemployment_ack"  # the claim's acknowledgement on A4
    SKILL_SUBSIDY_APPLY = "skill_subsidy_apply"  # 技能提升补贴 for one certificate
    VOUCHER_PREVIEW = "voucher_preview"  # the transfer voucher issued, built, page 1 shown
    VOUCHER_PRINT = "voucher_print"  # ... and sent to the A4 printer
    TRANSFER_START = "transfer_start"  # a transfer-in request from a city
    FLEXIBLE_REGISTER = "flexible_register"  # 灵活就业登记: plan and base
    FLEXIBLE_STOP = "flexible_stop"  # 暂停缴费
    FLEXIBLE_RESUME = "flexible_resume"  # 恢复缴费
    RECEIPT_REPRINT = "receipt_reprint"  # one of my receipts printed again (补打)
    REPORT_LOSS_ID = "report_loss_id"  # 挂失 without the card: the ID card's full session only
    ADMIN_STATUS = "admin_status"
    ADMIN_REPRINT = "admin_reprint"
    ADMIN_RECONCILE = "admin_reconcile"

    @property
    def admin_only(self) -> bool:
        return self.value.startswith("admin_")

    @property
    def moves_money(self) -> bool:
        """While one of these runs, money may be moving (the card may not end the session)."""
        return self in PAYING


PAYING = frozenset({RequestName.PAY_CARD, RequestName.PAY_QR_START, RequestName.PAY_QR_WAIT})

# Loaded behind the page (the menu's certification reminder): no busy indicator for them.
BACKGROUND = frozenset({DataKey.CERTIFICATION})

Key = DataKey | RequestName

# Requests whose answer is also a page's data, kept under that key too (the standing after a
# registration, a claim, a stop; the subsidy after its claim).
ANSWER_UPDATES: dict[RequestName, DataKey] = {
    RequestName.UNEMPLOYMENT_REGISTER: DataKey.UNEMPLOYMENT,
    RequestName.UNEMPLOYMENT_APPLY: DataKey.UNEMPLOYMENT,
    RequestName.UNEMPLOYMENT_STOP: DataKey.UNEMPLOYMENT,
    RequestName.SKILL_SUBSIDY_APPLY: DataKey.SKILL_SUBSIDY,
}
