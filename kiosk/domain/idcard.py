"""The resident ID card (居民身份证) as the kiosk knows it once a reader has read it.

The fields are those printed on the card (GB 19018 / the card's text block, read by
kiosk.devices.idcard): name, sex, nation, birth date, address, ID number (GB 11643, check
character validated here), issuing authority and validity (an end date, or 长期: long-term).
The photo is not part of the record: on a real card it is the encrypted wlt image only the
vendor's library decodes, and the kiosk passes it on as opaque bytes (docs/idcard.md).

`repr` masks the ID number (110***********1234) and the name (*三丰), as logs must."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.domain.errors import DomainError
from kiosk.domain.identity import is_valid_id_number, mask_id, mask_name

LONG_TERM = "长期"

# GB/T 2261.1 sex codes as the card stores them.
SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# GB 3304 nation codes, the names as the card prints them (without 族). 97 and 98 are the
# standard's "other" and "foreign origin, Chinese nationality".
NATIONS = {
    "01": "汉",
    "02": "蒙古",
    "03": "回",
    "04": "藏",
    "05": "维吾尔",
    "06": "苗",
    "07": "彝",
    "08": "壮",
    "09": "布依",
    "10": "朝鲜",
    "11": "满",
    "12": "侗",
    "13": "瑶",
    "14": "白",
    "15": "土家",
    "16": "哈尼",
    "17": "哈萨克",
    "18": "傣",
    "19": "黎",
    "20": "傈僳",
    "21": "佤",
    "22": "畲",
    "23": "高山",
    "24": "拉祜",
    "25": "水",
    "26": "东乡",
    "27": "纳西",
    "28": "景颇",
    "29": "柯尔克孜",
    "30": "土",
    "31": "达斡尔",
    "32": "仫佬",
    "33": "羌",
    "34": "布朗",
    "35": "撒拉",
    "36": "毛南",
    "37": "仡佬",
    "38": "锡伯",
    "39": "阿昌",
    "40": "普米",
    "41": "塔吉克",
    "42": "怒",
    "43": "乌孜别克",
    "44": "俄罗斯",
    "45": "鄂温克",
    "46": "德昂",
    "47": "保安",
    "48": "裕固",
    "49": "京",
    "50": "塔塔尔",
    "51": "独龙",
    "52": "鄂伦春",
    "53": "赫哲",
    "54": "门巴",
    "55": "珞巴",
    "56": "基诺",
    "97": "其他",
    "98": "外国血统中国籍人士",
}


class IdCardDataError(DomainError):
    """A field read from an ID card is not what the card format allows (the message says which
    field; an ID number in it is masked)."""


def _date(text: str, field: str) -> dt.date:
    if len(text) != 8 or not text.isdigit():
        raise IdCardDataError(f"ID card {field}: expected YYYYMMDD, found {len(text)} characters")
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise IdCardDataError(f"ID card {field}: not a date") from None


@dataclass(frozen=True, repr=False)
class IdCard:
    name: str
    sex: str  # GB/T 2261.1 code: "1" 男, "2" 女
    nation: str  # GB 3304 code, two digits
    birth_date: dt.date
    address: str
    id_number: str
    authority: str
    valid_from: dt.date
    valid_to: dt.date | None  # None: 长期 (long-term)

    def __post_init__(self) -> None:
        if not self.name:
            raise IdCardDataError("ID card name: empty")
        if self.sex not in SEXES:
            raise IdCardDataError(f"ID card sex: unknown code {self.sex!r}")
        if self.nation not in NATIONS:
            raise IdCardDataError(f"ID card nation: unknown code {self.nation!r}")
        if not is_valid_id_number(self.id_number):
            # GB 11643: a wrong check character is a misread or a forged card.
            raise IdCardDataError(
                f"ID card number {mask_id(self.id_number)}: check character or date wrong"
            )
        if self.id_number[6:14] != f"{self.birth_date:%Y%m%d}":
            raise IdCardDataError("ID card birth date: differs from the ID number's")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise IdCardDataError("ID card validity: ends before it starts")

    @classmethod
    def from_text(
        cls,
        *,
        name: str,
        sex: str,
        nation: str,
        birth: str,
        address: str,
        id_number: str,
        authority: str,
        valid_from: str,
        valid_to: str,
    ) -> IdCard:
        """The record from the card's text fields as stored (dates YYYYMMDD, 长期)."""
        return cls(
            name=name,
            sex=sex,
            nation=nation,
            birth_date=_date(birth, "birth date"),
            address=address,
            id_number=id_number.upper(),
            authority=authority,
            valid_from=_date(valid_from, "validity start"),
            valid_to=None if valid_to == LONG_TERM else _date(valid_to, "validity end"),
        )

    @property
    def nation_name(self) -> str:
        return NATIONS[self.nation]

    @property
    def sex_name(self) -> str:
        return SEXES[self.sex]

    @property
    def validity_text(self) -> str:
        """As printed: 2016.03.01-2036.03.01, or 2016.03.01-长期."""
        end = LONG_TERM if self.valid_to is None else f"{self.valid_to:%Y.%m.%d}"
        return f"{self.valid_from:%Y.%m.%d}-{end}"

    def expired(self, today: dt.date) -> bool:
        """The card is out of date on `today` (the end date itself is still valid)."""
        return self.valid_to is not None and today > self.valid_to

    def __repr__(self) -> str:
        return (
            f"IdCard(name={mask_name(self.name)!r}, id_number={mask_id(self.id_number)!r}, "
            f"validity={self.validity_text!r})"
        )

    __str__ = __repr__
