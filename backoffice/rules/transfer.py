"""Transfers between cities (转移接续; docs/rules.md "Transfer between cities").

The voucher (参保缴费凭证) a member takes to another city attests, for one scheme (employees'
pension: 基本养老保险参保缴费凭证; employees' medical: 基本医疗保险参保缴费凭证):

- the insured periods by city: runs of consecutive counted months (paid, transferred in, back
  paid) in one city; a month not counted (a gap, arrears) or another city ends a run. A month
  transferred in belongs to the city it came from (its employer's city, else the city of the
  member's finished transfer-in request), every other month to this city;
- per run its months, first and last month, and what the member and the employers paid;
- the months counted in all (缴费月数), of them transferred in;
- the account: the pension voucher the pension account's balance (个人账户储存额, the latest
  year's closing balance: the year in progress so far), the medical voucher the medical
  account's balance.

It is issued, stored and verified as the other certificates are (verification code, digest of
the canonical JSON, the public /verify page): backoffice/rules/certificates.py.

A transfer-in request (转入申请) names the city the member came from (a region code of CITIES):
not this city (TRANSFER_SAME_CITY), and not while another of the member's requests is open
(TRANSFER_ALREADY_OPEN). Its progress is the steps reached, in order: submitted (已受理),
contacted (已联系转出地), funds_received (资金已到账), done (已办结).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.domain import Scheme
from kiosk.domain.identity import mask_id, mask_name

VOUCHER_FORMAT = "transfer/1"
COUNTED = frozenset({"paid", "transferred_in", "back_paid"})


@dataclass(frozen=True)
class City:
    code: str  # 6-digit region code
    zh: str
    en: str


# The cities a member may name as the one they came from (the seeder's other cities among
# them). A city's own region (policy [city] region) is refused as the origin.
CITIES: dict[str, City] = {
    c.code: c
    for c in (
        City("110100", "北京市", "Beijing"),
        City("310100", "上海市", "Shanghai"),
        City("440100", "广州市", "Guangzhou"),
        City("440300", "深圳市", "Shenzhen"),
        City("330100", "杭州市", "Hangzhou"),
        City("510100", "成都市", "Chengdu"),
        City("420100", "武汉市", "Wuhan"),
        City("610100", "西安市", "Xi'an"),
        City("320100", "南京市", "Nanjing"),
        City("120100", "天津市", "Tianjin"),
        City("500100", "重庆市", "Chongqing"),
    )
}
UNKNOWN_CITY = City("", "外地", "Another city")


class VoucherKind(StrEnum):
    PENSION = "pension_transfer"
    MEDICAL = "medical_transfer"

    @property
    def scheme(self) -> Scheme:
        return Scheme.PENSION if self is VoucherKind.PENSION else Scheme.MEDICAL

    @property
    def zh(self) -> str:
        return f"基本{'养老' if self is VoucherKind.PENSION else '医疗'}保险参保缴费凭证"

    @property
    def en(self) -> str:
        which = "pension" if self is VoucherKind.PENSION else "medical insurance"
        return f"Basic {which} contribution voucher (for transfer)"


class Step(StrEnum):
    SUBMITTED = "submitted"
    CONTACTED = "contacted"
    FUNDS_RECEIVED = "funds_received"
    DONE = "done"

    @property
    def zh(self) -> str:
        return {
            "submitted": "已受理",
            "contacted": "已联系转出地",
            "funds_received": "转移资金已到账",
            "done": "已办结",
        }[self.value]

    @property
    def en(self) -> str:
        return {
            "submitted": "Submitted",
            "contacted": "The other city contacted",
            "funds_received": "Funds received",
            "done": "Done",
        }[self.value]


def state_of(
    contacted_on: dt.date | None, funds_on: dt.date | None, done_on: dt.date | None
) -> Step:
    """The furthest step reached."""
    if done_on is not None:
        return Step.DONE
    if funds_on is not None:
        return Step.FUNDS_RECEIVED
    if contacted_on is not None:
        return Step.CONTACTED
    return Step.SUBMITTED


def city_of_employer(name: str | None) -> City | None:
    """The city an employer of another city is in, by the city's name its name begins with."""
    if not name:
        return None
    return next((c for c in CITIES.values() if name.startswith(c.zh)), None)


@dataclass(frozen=True)
class Run:
    """An insured period in one city: consecutive counted months of one scheme."""

    city: City
    first: int  # YYYYMM
    last: int
    months: int
    personal_fen: int
    employer_fen: int
    transferred_in: bool  # months transferred in (from that city)


def _next(yyyymm: int) -> int:
    y, m = divmod(yyyymm, 100)
    return yyyymm + 1 if m < 12 else (y + 1) * 100 + 1


# (scheme, period, base, employer, personal, status, payer, account, subsidy, paid_on):
# backoffice.records.contribution_rows, money in fen.
Row = tuple[Any, ...]


def runs(rows: Iterable[Row], scheme: Scheme, here: City, came_from: City | None) -> list[Run]:
    """The scheme's insured periods by city, oldest first (see the module's docstring)."""
    mine = sorted((r for r in rows if r[0] == scheme.value and r[5] in COUNTED), key=lambda r: r[1])
    out: list[Run] = []
    for r in mine:
        moved = r[5] == "transferred_in"
        city = (city_of_employer(r[6]) or came_from or UNKNOWN_CITY) if moved else here
        prev = out[-1] if out else None
        if prev is not None and prev.city == city and _next(prev.last) == r[1]:
            out[-1] = Run(
                city,
                prev.first,
                r[1],
                prev.months + 1,
                prev.personal_fen + r[4],
                prev.employer_fen + r[3],
                prev.transferred_in or moved,
            )
        else:
            out.append(Run(city, r[1], r[1], 1, r[4], r[3], moved))
    return out


def voucher(
    *,
    certificate_id: str,
    kind: VoucherKind,
    member: Any,
    rows: Sequence[Row],
    here: City,
    came_from: City | None,
    account_fen: int,
    account_year: int | None,
    today: dt.date,
    issuer: str,
    issued_at: str,
    expires_at: str,
) -> dict[str, Any]:
    """The voucher's attested content (stored as canonical JSON, its digest printed). `member`:
    backoffice.records.Member (member_no, name, id_number, sex, birth_date)."""
    found = runs(rows, kind.scheme, here, came_from)
    return {
        "format": VOUCHER_FORMAT,
        "certificate_id": certificate_id,
        "kind": kind.value,
        "scheme": kind.scheme.value,
        "issuer": issuer,
        "issuer_region": here.code,
        "issued_at": issued_at,
        "expires_at": expires_at,
        "as_of": today.isoformat(),
        "member_no": member.member_no,
        "name": member.name,
        "id_number_masked": mask_id(member.id_number),
        "sex": member.sex,
        "birth_date": member.birth_date.isoformat(),
        "first": _month(found[0].first) if found else None,
        "last": _month(found[-1].last) if found else None,
        "periods": [
            {
                "city": r.city.code,
                "city_zh": r.city.zh,
                "city_en": r.city.en,
                "first": _month(r.first),
                "last": _month(r.last),
                "months": r.months,
                "transferred_in": r.transferred_in,
                "personal_total": _fen(r.personal_fen),
                "employer_total": _fen(r.employer_fen),
            }
            for r in found
        ],
        "months_paid": sum(r.months for r in found),
        "months_transferred_in": sum(r.months for r in found if r.transferred_in),
        "months_here": sum(r.months for r in found if r.city == here),
        "account_balance": _fen(account_fen),
        "account_year": account_year,
    }


def is_voucher(content: Mapping[str, Any]) -> bool:
    return content.get("format") == VOUCHER_FORMAT


def verification_view(content: Mapping[str, Any]) -> dict[str, Any]:
    """What the public page shows of a voucher: all but the name (masked) and birth date."""
    out = {k: v for k, v in content.items() if k not in ("name", "birth_date", "issued_at")}
    out.pop("expires_at", None)
    out["name_masked"] = mask_name(content["name"])
    return out


def _month(yyyymm: int) -> str:
    return f"{yyyymm // 100:04d}-{yyyymm % 100:02d}"


def _fen(f: int) -> str:
    sign = "-" if f < 0 else ""
    q, r = divmod(abs(int(f)), 100)
    return f"{sign}{q}.{r:02d}"
