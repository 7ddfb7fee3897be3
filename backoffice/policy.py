"""The contribution policy of one city, read from a TOML file (backoffice/policies/*.toml).

Rates are Decimal; amounts are Money. The money rules (dues, quotes) use only the average wages
the file states (`[average_wage]`, or a figure it names in `[average_wage_fallback]`) and refuse
a year it lacks (AverageWageMissing); synthetic histories and the pension estimate use the
`projected_*` functions, which extrapolate with the file's stated growth."""

from __future__ import annotations

import tomllib
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from backoffice.errors import ConflictProblem, PolicyError
from backoffice.face.rules import FaceRules
from backoffice.rules.certification import CYCLE_FROM, CertificationRules
from backoffice.rules.fee_reductions import FeeReductions, parse_fee_reductions
from backoffice.rules.unemployment import UnemploymentRules, parse_unemployment
from kiosk.domain import Money, Scheme

DEFAULT_POLICY = Path(__file__).resolve().parent / "policies" / "default.toml"

EMPLOYEE_SCHEMES = (
    Scheme.PENSION,
    Scheme.MEDICAL,
    Scheme.UNEMPLOYMENT,
    Scheme.WORK_INJURY,
    Scheme.MATERNITY,
)

LATE_FEE_CAPS = ("none", "principal")  # [payment] late_fee_cap
# Keys renamed by issue 18: a file still carrying one is refused with the new key's name, so a
# city does not silently get the new default.
RENAMED_KEYS = {
    ("payment", "late_fee_within_year"): "late_fee_in_year",
    ("payment", "back_payment_years"): "back_payment_months",
}


class AverageWageMissing(ConflictProblem):
    """A money rule needs an average wage the policy does not state."""

    code = "AVERAGE_WAGE_MISSING"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"缺少{year}年社会平均工资，暂无法核定缴费基数，请到柜台办理",
            f"The average wage of {year} is not configured, so the contribution base cannot be"
            " set; please go to the counter",
        )
        self.year = year


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
    late_fee_in_year: bool  # months of the current year pay the late fee too
    back_payment_months: int  # earlier years' months payable, counted back from this month
    late_fee_cap: str  # "none" | "principal": the fee never exceeds the month's amount
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
    average_wage_fallbacks: dict[int, Money] = field(default_factory=dict)
    certification: CertificationRules = field(default_factory=CertificationRules)
    unemployment: UnemploymentRules = field(default_factory=UnemploymentRules)
    face: FaceRules = field(default_factory=FaceRules)
    fee_reductions: FeeReductions = field(default_factory=FeeReductions)  # 代缴

    def average_wage(self, year: int) -> Money:
        """Average annual wage of a year as the policy states it: the published figure, else the
        figure `[average_wage_fallback]` names for it; AverageWageMissing otherwise. The money
        rules use this one: a base limit is never guessed."""
        if year in self.average_wages:
            return self.average_wages[year]
        if year in self.average_wage_fallbacks:
            return self.average_wage_fallbacks[year]
        raise AverageWageMissing(year)

    def average_monthly_wage(self, year: int) -> Money:
        """The stated annual figure / 12, rounded once (AverageWageMissing when not stated)."""
        return Money.of(self.average_wage(year).yuan / 12)

    def projected_average_wage(self, year: int) -> Money:
        """The stated figure, or one extrapolated from the nearest stated year with
        `[estimate] wage_growth`: for synthetic histories and projections, never for money."""
        known = {**self.average_wage_fallbacks, **self.average_wages}
        if year in known:
            return known[year]
        first, last = min(known), max(known)
        if year > last:
            factor = (1 + self.wage_growth) ** (year - last)
            return known[last].times(factor)
        factor = (1 + self.wage_growth) ** (first - year)
        return Money.of(known[first].yuan / factor)

    def projected_average_monthly_wage(self, year: int) -> Money:
        return Money.of(self.projected_average_wage(year).yuan / 12)

    def crediting_rate(self, year: int) -> Decimal:
        if year in self.crediting_rates:
            return self.crediting_rates[year]
        if year < min(self.crediting_rates):
            return self.crediting_rate_before_2016
        return self.crediting_rate_assumed

    def base_range(self, year: int) -> tuple[Money, Money]:
        """Monthly base range of flexible employment in `year`: 60%-300% (policy) of the previous
        year's average annual wage / 12, each limit rounded once from the annual figure
        (120,698 x 300% / 12 = 30,174.50; rounding the monthly wage first gives 30,174.51)."""
        return self._limits(self.average_wage(year - 1))

    def projected_base_range(self, year: int) -> tuple[Money, Money]:
        """base_range on the projected wage: for synthetic histories only."""
        return self._limits(self.projected_average_wage(year - 1))

    def _limits(self, annual: Money) -> tuple[Money, Money]:
        return (
            Money.of(annual.yuan * self.base_min_share / 12),
            Money.of(annual.yuan * self.base_max_share / 12),
        )

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
    for (section, old), new in RENAMED_KEYS.items():
        if old in data.get(section, {}):
            raise PolicyError(f"{source}: [{section}] {old}: replaced by {new} (see default.toml)")
    wages = {
        int(y): Money.of(str(v)) for y, v in r.get_table("average_wage").items() if _is_year(y, r)
    }
    fallbacks = {
        int(y): r.money(v, f"[average_wage_fallback] {y}")
        for y, v in data.get("average_wage_fallback", {}).items()
        if _is_year(y, r)
    }
    cap = r.optional("payment", "late_fee_cap", str, "none")
    if cap not in LATE_FEE_CAPS:
        raise PolicyError(
            f"{source}: [payment] late_fee_cap: expected one of {', '.join(LATE_FEE_CAPS)},"
            f" found {cap!r}"
        )
    back_months = r.optional("payment", "back_payment_months", int, 60)
    if back_months < 0:
        raise PolicyError(f"{source}: [payment] back_payment_months: must be >= 0")
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
        late_fee_in_year=r.optional("payment", "late_fee_in_year", bool, True),
        back_payment_months=back_months,
        late_fee_cap=cap,
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
        average_wage_fallbacks=fallbacks,
        certification=_certification(r),
        unemployment=parse_unemployment(data.get("unemployment"), source),
        face=_face(r),
        fee_reductions=parse_fee_reductions(data.get("fee_reductions"), source),
    )


def _certification(r: _Reader) -> CertificationRules:
    """[certification] (optional section: every key has the default in default.toml)."""
    if "certification" not in r.data:
        return CertificationRules()
    d = CertificationRules()
    cycle_from = r.optional("certification", "cycle_from", str, d.cycle_from)
    if cycle_from not in CYCLE_FROM:
        raise PolicyError(
            f"{r.source}: [certification] cycle_from: expected one of {', '.join(CYCLE_FROM)},"
            f" found {cycle_from!r}"
        )
    counts = {
        key: r.optional("certification", key, int, getattr(d, key))
        for key in ("cycle_months", "grace_days", "reminder_days", "attempts_per_day")
    }
    for key, lo in (("cycle_months", 1), ("grace_days", 0), ("reminder_days", 0)):
        if counts[key] < lo:
            raise PolicyError(f"{r.source}: [certification] {key}: must be >= {lo}")
    if counts["attempts_per_day"] < 1:
        raise PolicyError(f"{r.source}: [certification] attempts_per_day: must be >= 1")
    return CertificationRules(cycle_from=cycle_from, **counts)


def _face(r: _Reader) -> FaceRules:
    """[face] (optional section: every key has the default in default.toml)."""
    if "face" not in r.data:
        return FaceRules()
    d = FaceRules()
    t = r.get_table("face")
    shares: dict[str, Decimal] = {
        key: r.rate(t[key], f"[face] {key}") if key in t else getattr(d, key)
        for key in ("threshold", "yaw_delta", "frontal")
    }
    for key, value in shares.items():
        if not 0 < value < 2:
            raise PolicyError(f"{r.source}: [face] {key}: must be between 0 and 2, found {value}")
    counts: dict[str, int] = {
        key: r.optional("face", key, int, getattr(d, key))
        for key in ("frames", "challenge_seconds", "verification_seconds")
    }
    if not 3 <= counts["frames"] <= 8:
        raise PolicyError(f"{r.source}: [face] frames: must be 3 to 8 (the API takes 3-8)")
    for key in ("challenge_seconds", "verification_seconds"):
        if counts[key] < 1:
            raise PolicyError(f"{r.source}: [face] {key}: must be >= 1")
    return FaceRules(
        threshold=shares["threshold"],
        yaw_delta=shares["yaw_delta"],
        frontal=shares["frontal"],
        frames=counts["frames"],
        challenge_seconds=counts["challenge_seconds"],
        verification_seconds=counts["verification_seconds"],
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

    def optional(self, section: str, key: str, kind: type, default: Any) -> Any:
        """A key that may be left out (its default is documented in default.toml)."""
        if key not in self.get_table(section):
            return default
        return self.get(section, key, kind)

    def money(self, v: Any, label: str) -> Money:
        d = self.rate(v, label)
        if d <= 0:
            raise PolicyError(f"{self.source}: {label}: must be a positive amount, found {v!r}")
        return Money.of(d)

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
