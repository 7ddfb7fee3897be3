"""The kiosk's icons: our names -> glyphs of the Material Icons font (Debian's
fonts-material-design-icons-iconfont, registered by screens/bootstrap.py as `KioskIcons`).

Each entry keeps the font's own name for the glyph beside its codepoint, both as listed in the
codepoint map Debian ships (screens.fonts.ICON_CODEPOINTS); tests/unit/test_icons.py checks
every entry against that map and that the font draws ink for it. An icon never stands alone:
IconLabel and IconButton (screens/widgets.py, common.kv) always show a text label beside it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Icon:
    material_name: str  # the glyph's name in the font's codepoint map
    codepoint: int


ICONS: dict[str, Icon] = {
    # menu tiles: the member's services
    "insurance": Icon("health_and_safety", 0xE1D5),  # 我的参保
    "history": Icon("history", 0xE889),  # 缴费记录
    "account": Icon("account_balance_wallet", 0xE850),  # 个人账户
    "benefits": Icon("volunteer_activism", 0xEA70),  # 待遇
    "print": Icon("print", 0xE8AD),  # 打印
    "pay": Icon("payments", 0xEF63),  # 缴费
    "card": Icon("credit_card", 0xE870),  # 社保卡服务
    "card_loss": Icon("credit_card_off", 0xE4F4),  # 挂失 / 解挂
    "estimate": Icon("calculate", 0xEA5F),  # 养老金测算
    "certify": Icon("how_to_reg", 0xE174),  # 资格认证
    "face": Icon("face", 0xE87C),  # 人脸识别
    "id_card": Icon("badge", 0xEA67),  # 身份证
    "pin": Icon("password", 0xF042),  # 密码 / 修改密码
    "lock": Icon("lock", 0xE897),
    "pin_reset": Icon("lock_reset", 0xEADE),  # 密码重置
    "unemployment": Icon("work_off", 0xE942),  # 失业登记 / 失业金
    "work": Icon("work", 0xE8F9),
    "transfer": Icon("swap_horiz", 0xE8D4),  # 转移接续
    "medical": Icon("medical_services", 0xF109),  # 医保
    "person": Icon("account_circle", 0xE853),
    "services": Icon("apps", 0xE5C3),  # 更多服务
    # primary buttons and page chrome
    "exit": Icon("logout", 0xE9BA),  # 退出
    "back": Icon("arrow_back", 0xE5C4),  # 返回
    "previous": Icon("chevron_left", 0xE5CB),  # 上一年
    "next": Icon("chevron_right", 0xE5CC),  # 下一年
    "home": Icon("home", 0xE88A),
    "help": Icon("help", 0xE887),
    "info": Icon("info", 0xE88E),  # assumptions, notes
    "trending_up": Icon("trending_up", 0xE8E5),  # a balance's growth (charts)
    "counter": Icon("support_agent", 0xF0E2),  # 请到柜台
    "speaker": Icon("volume_up", 0xE050),  # 朗读
    "language": Icon("translate", 0xE8E2),  # English / 中文
    "large_text": Icon("elderly", 0xF21A),  # 长辈模式
    "confirm": Icon("check", 0xE5CA),
    "cancel": Icon("close", 0xE5CD),
    "retry": Icon("refresh", 0xE5D5),
    # result and status marks
    "success": Icon("check_circle", 0xE86C),
    "error": Icon("error", 0xE000),
    "failure": Icon("cancel", 0xE5C9),  # a result that did not happen (not paid, not printed)
    "empty": Icon("inbox", 0xE156),  # nothing on record yet
    "warning": Icon("warning", 0xE002),
    "report": Icon("report", 0xE160),
    "clock": Icon("schedule", 0xE8B5),  # time left in the session
    "qr_code": Icon("qr_code_2", 0xE00A),
    "receipt": Icon("receipt_long", 0xEF6E),  # 凭条
}

# Set by screens.bootstrap.register_icon_font(): without the font, glyph() gives "" and icon
# widgets show their text label alone.
font_ready = False


def glyph(name: str) -> str:
    """The character that draws icon `name` in the icon font ("" without the font). An unknown
    name is a programming error: KeyError, so a typo in a kv file fails the page's test."""
    icon = ICONS[name]
    return chr(icon.codepoint) if font_ready else ""
