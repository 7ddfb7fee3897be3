"""The contribution policy of one city, read from a TOML file (backoffice/policies/*.toml).

Rates are Decimal; amounts are Money. Years outside the file's tables are extrapolated with the
file's stated assumptions, so a synthetic history and an estimate may span any year."""

from __future__ import annotations

import tomllib
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from backoffice.errors import PolicyError
from kiosk.domain import Money, Scheme

DEFAULT_POLICY = Path(__file__).resolve().parent / "policies" / "default.toml"

EMPLOYEE_SCHEMES = (
    Scheme.PENSION,
    Scheme.MEDICAL,
    Scheme.UNEMPLOYMENT,
    Scheme.WORK_INJURY,
    Scheme.MATERNITY,
)


@dataclass(frozen=True)
class Policy:
    source: str
    city_name: str
    city_name_en: str
    region: str
    timezone: str  # IANA zone name (zoneinfo): "today", deadlines, times shown and printed
    employee_rates: dict[Scheme, tuple[Decimal, Decimal]]  # (employer, personal)
    employee_pension_account_rate: Decimal
    employee_medical_account_rate: Decimal
    flexible_pension_rate: Decimal
    flexible_pension_account_rate: Decimal
    flexible_medical_rate: Decimal
    flexible_medical_account_rate: Decimal
    base_min_share: Decimal
    base_max_share: Decimal
    deadline_day: int
    late_fee_per_day: Decimal
    late_fee_within_year: bool
    back_payment_years: int
    resident_pension_tiers: tuple[Money, ...]
    resident_subsidy_low: Money
    resident_subsidy_high: Money
    resident_subsidy_threshold: Money
    resident_medical_fee: Money
    certificate_valid_days: int
    wage_growth: Decimal
    crediting_rate_assumed: Decimal
    crediting_rate_before_2016: Decimal
    average_wages: dict[int, Money]
    crediting_rates: dict[int, Decimal]

    def average_wage(self, year: int) -> Money:
        """Average annual wage of a year; extrapolated beyond the table with wage_growth."""
        if year in self.average_wages:
            return self.average_wages[year]
        first, last = min(self.average_wages), max(self.average_wages)
        if year > last:
            factor = (1 + self.wage_growth) ** (year - last)
            return self.average_wages[last].times(factor)
        factor = (1 + self.wage_growth) ** (first - year)
        return Money.of(self.average_wages[first].yuan / factor)

    def average_monthly_wage(self, year: int) -> Money:
        return Money.of(self.average_wage(year).yuan / 12)

    def crediting_rate(self, year: int) -> Decimal:
        if year in self.crediting_rates:
            return self.crediting_rates[year]
        if year < min(self.crediting_rates):
            return self.crediting_rate_before_2016
        return self.crediting_rate_assumed

    def base_range(self, year: int) -> tuple[Money, Money]:
        """Monthly base range of flexible employment: 60%-300% of last year's average wage."""
        monthly = self.average_monthly_wage(year - 1)
        return monthly.times(self.base_min_share), monthly.times(self.base_max_share)

    def resident_subsidy(self, tier: Money) -> Money:
        if tier >= self.resident_subsidy_threshold:
            return self.resident_subsidy_high
        return self.resident_subsidy_low


def load_policy(path: str | Path | None = None) -> Policy:
    p = Path(path) if path else DEFAULT_POLICY
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise PolicyError(f"{p}: cannot read the policy file: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"{p}: not valid TOML: {e}") from None
    return parse_policy(data, str(p))


def parse_policy(data: dict[str, Any], source: str = "<policy>") -> Policy:
    r = _Reader(data, source)
    rates: dict[Scheme, tuple[Decimal, Decimal]] = {}
    for s in EMPLOYEE_SCHEMES:
        pair = r.get("employee", s.value, list)
        if len(pair) != 2:
            raise PolicyError(f"{source}: [employee] {s.value}: expected [employer, personal]")
        rates[s] = (
            r.rate(pair[0], f"[employee] {s.value}"),
            r.rate(pair[1], f"[employee] {s.value}"),
        )
    wages = {
        int(y): Money.of(str(v)) for y, v in r.get_table("average_wage").items() if _is_year(y, r)
    }
    crediting = {
        int(y): r.rate(v, f"[crediting_rate] {y}")
        for y, v in r.get_table("crediting_rate").items()
        if _is_year(y, r)
    }
    if not wages or not crediting:
        raise PolicyError(f"{source}: [average_wage] and [crediting_rate] need at least one year")
    return Policy(
        source=source,
        city_name=r.get("city", "name", str),
        city_name_en=r.get("city", "name_en", str),
        region=r.get("city", "region", str),
        timezone=_zone_name(r.data.get("city", {}).get("timezone", "Asia/Shanghai"), source),
        employee_rates=rates,
        employee_pension_account_rate=r.rate_key("employee", "pension_account_rate"),
        employee_medical_account_rate=r.rate_key("employee", "medical_account_rate"),
        flexible_pension_rate=r.rate_key("flexible", "pension_rate"),
        flexible_pension_account_rate=r.rate_key("flexible", "pension_account_rate"),
        flexible_medical_rate=r.rate_key("flexible", "medical_rate"),
        flexible_medical_account_rate=r.rate_key("flexible", "medical_account_rate"),
        base_min_share=r.rate_key("flexible", "base_min_share"),
        base_max_share=r.rate_key("flexible", "base_max_share"),
        deadline_day=r.get("payment", "deadline_day", int),
        late_fee_per_day=r.rate_key("payment", "late_fee_per_day"),
        late_fee_within_year=r.get("payment", "late_fee_within_year", bool),
        back_payment_years=r.get("payment", "back_payment_years", int),
        resident_pension_tiers=tuple(
            Money.of(str(t)) for t in r.get("residents", "pension_tiers", list)
        ),
        resident_subsidy_low=Money.of(r.get("residents", "pension_subsidy_low", str)),
        resident_subsidy_high=Money.of(r.get("residents", "pension_subsidy_high", str)),
        resident_subsidy_threshold=Money.of(
            str(r.get("residents", "pension_subsidy_threshold", int))
        ),
        resident_medical_fee=Money.of(r.get("residents", "medical_annual_fee", str)),
        certificate_valid_days=r.get("certificates", "valid_days", int),
        wage_growth=r.rate_key("estimate", "wage_growth"),
        crediting_rate_assumed=r.rate_key("estimate", "crediting_rate"),
        crediting_rate_before_2016=r.rate_key("estimate", "crediting_rate_before_2016"),
        average_wages=wages,
        crediting_rates=crediting,
    )


def _zone_name(name: object, source: str) -> str:
    """An IANA zone zoneinfo knows (the system's tz database or the tzdata package)."""
    if not isinstance(name, str) or not name:
        raise PolicyError(f"{source}: [city] timezone: expected a zone name, found {name!r}")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PolicyError(
            f'{source}: [city] timezone: unknown time zone {name!r} (e.g. "Asia/Shanghai")'
        ) from None
    return name


def _is_year(y: str, r: _Reader) -> bool:
    if not (y.isdigit() and len(y) == 4):
        raise PolicyError(f"{r.source}: {y!r} is not a year")
    return True


class _Reader:
    def __init__(self, data: dict[str, Any], source: str) -> None:
        self.data = data
        self.source = source

    def get_table(self, section: str) -> dict[str, Any]:
        t = self.data.get(section)
        if not isinstance(t, dict):
            raise PolicyError(f"{self.source}: missing section [{section}]")
        return t

    def get(self, section: str, key: str, kind: type) -> Any:
        t = self.get_table(section)
        if key not in t:
            raise PolicyError(f"{self.source}: [{section}] {key}: missing")
        v = t[key]
        if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
            raise PolicyError(
                f"{self.source}: [{section}] {key}: expected {kind.__name__}, found {v!r}"
            )
        return v

    def rate(self, v: Any, label: str) -> Decimal:
        if isinstance(v, bool) or not isinstance(v, str | int):
            raise PolicyError(f"{self.source}: {label}: expected a decimal string, found {v!r}")
        try:
            d = Decimal(str(v))
        except InvalidOperation:
            raise PolicyError(f"{self.source}: {label}: not a number: {v!r}") from None
        if not d.is_finite() or d < 0:
            raise PolicyError(f"{self.source}: {label}: must be a number >= 0, found {v!r}")
        return d

    def rate_key(self, section: str, key: str) -> Decimal:
        t = self.get_table(section)
        if key not in t:
            raise PolicyError(f"{self.source}: [{section}] {key}: missing")
        return self.rate(t[key], f"[{section}] {key}")
