"""Unemployment insurance (失业保险): who may draw the benefit (失业保险金), for how many months,
how much a month, and the skill-upgrading subsidy (技能提升补贴). Pure functions of counts,
dates and the policy's `[unemployment]` keys (backoffice/policies/default.toml).

The national rule (失业保险条例, 1999, arts. 14, 17; 社会保险法 art. 45-46):

- the benefit is drawn by a member who paid unemployment contributions for at least a year
  (`minimum_months`), whose employment ended not by their own will (the employer's record of the
  separation says why) and who registered as unemployed and as a job seeker (失业登记/求职登记);
- the months of benefit follow the months contributed: 1 to 5 years up to 12 months, 5 to 10
  years up to 18, 10 years or more up to 24 (`entitlement_bands`); a member re-employed and
  unemployed again counts contributions afresh from the earlier claim, and the earlier claim's
  months not drawn are added (合并计算), never more than 24 (`max_months`);
- the monthly amount is set by the city below its minimum wage and above the subsistence line;
  since 2017 (人社部发〔2017〕71号) most cities pay a share of the minimum wage, up to 90%
  (`minimum_wage` x `benefit_share`, to the fen half-up);
- the claim is made within a window after the job ended (`apply_within_days`, a city's rule);
- the skill-upgrading subsidy (人社部发〔2017〕40号, 2019 widened): contributions of at least a
  year and a vocational certificate obtained within the last `skill_certificate_months`; the
  amount by the certificate's level (初级/五级 1,000, 中级/四级 1,500, 高级/三级 2,000 yuan), at
  most once a calendar year."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from backoffice.errors import PolicyError
from backoffice.rules.certification import add_months
from kiosk.domain import Money


@dataclass(frozen=True)
class SeparationReason:
    code: str
    zh: str
    en: str
    involuntary: bool  # 非因本人意愿中断就业: the benefit may be drawn


# Why the employment ended, as the employer's record (解除/终止劳动关系证明) says it.
SEPARATION_REASONS: dict[str, SeparationReason] = {
    r.code: r
    for r in (
        SeparationReason("contract_expired", "劳动合同期满终止", "The contract ended", True),
        SeparationReason("dismissed", "用人单位解除劳动合同", "Dismissed by the employer", True),
        SeparationReason(
            "employer_closed", "用人单位破产、撤销或关闭", "The employer closed down", True
        ),
        SeparationReason(
            "agreed_by_employer",
            "用人单位提出协商解除",
            "Ended by agreement, proposed by the employer",
            True,
        ),
        SeparationReason(
            "employer_fault",
            "因用人单位过错本人解除",
            "Ended by the member for the employer's fault (unpaid wages, no insurance ...)",
            True,
        ),
        SeparationReason("resigned", "本人辞职", "Resigned", False),
        SeparationReason(
            "agreed_by_member",
            "本人提出协商解除",
            "Ended by agreement, proposed by the member",
            False,
        ),
    )
}

# Certificate levels (国家职业资格 / 职业技能等级): 5 初级工 ... 1 高级技师.
CERTIFICATE_LEVELS: dict[int, tuple[str, str]] = {
    5: ("五级/初级工", "Level 5 (junior)"),
    4: ("四级/中级工", "Level 4 (intermediate)"),
    3: ("三级/高级工", "Level 3 (senior)"),
    2: ("二级/技师", "Level 2 (technician)"),
    1: ("一级/高级技师", "Level 1 (senior technician)"),
}


MINIMUM_WAGE = Money.of("2540.00")  # Beijing's from 2025-09-01


def _default_skill_amounts() -> dict[int, Money]:
    return {5: Money.of("1000"), 4: Money.of("1500"), 3: Money.of("2000")}


@dataclass(frozen=True)
class UnemploymentRules:
    """The policy's `[unemployment]` keys (defaults as in default.toml)."""

    minimum_wage: Money = MINIMUM_WAGE  # the city's monthly minimum wage (最低工资标准)
    benefit_share: Decimal = Decimal("0.9")
    apply_within_days: int = 60
    minimum_months: int = 12
    # (contribution months from, benefit months up to), ascending
    entitlement_bands: tuple[tuple[int, int], ...] = ((12, 12), (60, 18), (120, 24))
    max_months: int = 24
    skill_subsidy: Mapping[int, Money] = field(default_factory=_default_skill_amounts)
    skill_certificate_months: int = 12


class Condition(StrEnum):
    CONTRIBUTIONS = "contributions"  # unemployment contributions >= minimum_months
    INVOLUNTARY = "involuntary"  # the employment ended not by the member's will
    REGISTERED = "registered"  # 失业登记 and 求职登记
    CERTIFICATE = "certificate"  # skill subsidy: a certificate within the window
    NOT_CLAIMED = "not_claimed"  # skill subsidy: none this calendar year


@dataclass(frozen=True)
class Reason:
    """One condition, met or not, in words the kiosk shows."""

    condition: Condition
    met: bool
    message_zh: str
    message_en: str


def monthly_amount(rules: UnemploymentRules) -> Money:
    """The benefit a month: minimum wage x share, to the fen half-up."""
    return rules.minimum_wage.times(rules.benefit_share)


def band_months(rules: UnemploymentRules, contribution_months: int) -> int:
    """Months of benefit the contributions alone give (0 below the first band)."""
    months = 0
    for from_months, benefit in rules.entitlement_bands:
        if contribution_months >= from_months:
            months = benefit
    return months


def entitlement_months(
    rules: UnemploymentRules, contribution_months: int, carried_months: int = 0
) -> int:
    """Months granted: the band of the contributions since the earlier claim, plus that claim's
    months not drawn, at most max_months. No new band (too few months): nothing, whatever is
    carried (the carried months are drawn only with a new claim that qualifies)."""
    months = band_months(rules, contribution_months)
    if months == 0:
        return 0
    return min(rules.max_months, months + max(0, carried_months))


def apply_by(rules: UnemploymentRules, last_day: dt.date) -> dt.date:
    """The last day a claim may be made: the job's last day + apply_within_days."""
    return last_day + dt.timedelta(days=rules.apply_within_days)


def benefit_reasons(
    rules: UnemploymentRules,
    *,
    contribution_months: int,
    separation: str | None,
    registered: bool,
) -> tuple[Reason, ...]:
    """The three conditions of the benefit, each met or not (separation: the code of the
    employer's record, None: no record of a job that ended)."""
    n, need = contribution_months, rules.minimum_months
    out = [
        Reason(
            Condition.CONTRIBUTIONS,
            n >= need,
            f"失业保险累计缴费{n}个月（须满{need}个月）",
            f"Unemployment contributions paid for {n} months (at least {need} needed)",
        )
    ]
    known = SEPARATION_REASONS.get(separation) if separation else None
    if known is None:
        out.append(
            Reason(
                Condition.INVOLUNTARY,
                False,
                "没有用人单位出具的解除或终止劳动关系记录",
                "No record from an employer that your employment ended",
            )
        )
    else:
        out.append(
            Reason(
                Condition.INVOLUNTARY,
                known.involuntary,
                f"离职原因：{known.zh}" + ("" if known.involuntary else "（本人意愿，不能领取）"),
                f"Reason the job ended: {known.en}"
                + ("" if known.involuntary else " (by your own will: no benefit)"),
            )
        )
    out.append(
        Reason(
            Condition.REGISTERED,
            registered,
            "已办理失业登记和求职登记" if registered else "尚未办理失业登记和求职登记",
            "Registered as unemployed and seeking work"
            if registered
            else "Not yet registered as unemployed and seeking work",
        )
    )
    return tuple(out)


def skill_subsidy_amount(rules: UnemploymentRules, level: int) -> Money | None:
    """The subsidy for a certificate of this level (None: the city pays none for it)."""
    return rules.skill_subsidy.get(level)


def certificate_window_start(rules: UnemploymentRules, today: dt.date) -> dt.date:
    """The earliest issue day of a certificate that still gives the subsidy today (the same day
    skill_certificate_months earlier, or that month's last day)."""
    return add_months(today, -rules.skill_certificate_months)


def skill_reasons(
    rules: UnemploymentRules,
    *,
    contribution_months: int,
    certificate_in_window: bool,
    claimed_this_year: bool,
) -> tuple[Reason, ...]:
    n, need, window = contribution_months, rules.minimum_months, rules.skill_certificate_months
    return (
        Reason(
            Condition.CONTRIBUTIONS,
            n >= need,
            f"失业保险累计缴费{n}个月（须满{need}个月）",
            f"Unemployment contributions paid for {n} months (at least {need} needed)",
        ),
        Reason(
            Condition.CERTIFICATE,
            certificate_in_window,
            f"近{window}个月内取得职业资格或职业技能等级证书"
            if certificate_in_window
            else f"近{window}个月内没有取得职业资格或职业技能等级证书的记录",
            f"A vocational certificate obtained in the last {window} months"
            if certificate_in_window
            else f"No vocational certificate on record from the last {window} months",
        ),
        Reason(
            Condition.NOT_CLAIMED,
            not claimed_this_year,
            "本年度已领取技能提升补贴" if claimed_this_year else "本年度尚未领取技能提升补贴",
            "The subsidy was already paid this year"
            if claimed_this_year
            else "No subsidy paid this year yet",
        ),
    )


def parse_unemployment(section: Any, source: str) -> UnemploymentRules:
    """[unemployment] of a policy file (optional: every key has its default)."""
    d = UnemploymentRules()
    if section is None:
        return d
    if not isinstance(section, dict):
        raise PolicyError(f"{source}: [unemployment]: expected a table")
    known = {f for f in UnemploymentRules.__dataclass_fields__}
    for key in section:
        if key not in known:
            raise PolicyError(f"{source}: [unemployment] {key}: unknown key")

    def decimal(key: str, default: Decimal) -> Decimal:
        v = section.get(key, str(default))
        if isinstance(v, bool) or not isinstance(v, str | int):
            raise PolicyError(f"{source}: [unemployment] {key}: expected a decimal string")
        try:
            out = Decimal(str(v))
        except InvalidOperation:
            raise PolicyError(f"{source}: [unemployment] {key}: not a number: {v!r}") from None
        if not out.is_finite() or out <= 0:
            raise PolicyError(f"{source}: [unemployment] {key}: must be > 0, found {v!r}")
        return out

    def count(key: str, default: int, lo: int) -> int:
        v = section.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise PolicyError(f"{source}: [unemployment] {key}: expected an integer >= {lo}")
        return v

    share = decimal("benefit_share", d.benefit_share)
    if share > 1:
        raise PolicyError(f"{source}: [unemployment] benefit_share: at most 1 (the minimum wage)")
    bands = _bands(section.get("entitlement_bands"), d.entitlement_bands, source)
    max_months = count("max_months", d.max_months, 1)
    if max_months < bands[-1][1]:
        raise PolicyError(f"{source}: [unemployment] max_months: below the last band's months")
    skill = section.get("skill_subsidy")
    amounts = dict(d.skill_subsidy)
    if skill is not None:
        if not isinstance(skill, dict):
            raise PolicyError(f"{source}: [unemployment] skill_subsidy: expected a table")
        amounts = {}
        for level, amount in skill.items():
            if level not in {str(k) for k in CERTIFICATE_LEVELS}:
                raise PolicyError(
                    f"{source}: [unemployment] skill_subsidy: level {level!r} is not 1 to 5"
                )
            amounts[int(level)] = Money.of(decimal_text(amount, f"skill_subsidy {level}", source))
    return UnemploymentRules(
        minimum_wage=Money.of(decimal("minimum_wage", d.minimum_wage.yuan)),
        benefit_share=share,
        apply_within_days=count("apply_within_days", d.apply_within_days, 1),
        minimum_months=count("minimum_months", d.minimum_months, 1),
        entitlement_bands=bands,
        max_months=max_months,
        skill_subsidy=amounts,
        skill_certificate_months=count("skill_certificate_months", d.skill_certificate_months, 1),
    )


def decimal_text(v: Any, label: str, source: str) -> str:
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise PolicyError(f"{source}: [unemployment] {label}: expected a decimal string")
    try:
        d = Decimal(str(v))
    except InvalidOperation:
        raise PolicyError(f"{source}: [unemployment] {label}: not a number: {v!r}") from None
    if not d.is_finite() or d <= 0:
        raise PolicyError(f"{source}: [unemployment] {label}: must be > 0")
    return str(d)


def _bands(
    v: Any, default: tuple[tuple[int, int], ...], source: str
) -> tuple[tuple[int, int], ...]:
    if v is None:
        return default
    label = f"{source}: [unemployment] entitlement_bands"
    if not isinstance(v, list) or not v:
        raise PolicyError(f"{label}: expected [[from_months, benefit_months], ...]")
    out: list[tuple[int, int]] = []
    for pair in v:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in pair)
        ):
            raise PolicyError(f"{label}: each band is [from_months, benefit_months], both > 0")
        out.append((pair[0], pair[1]))
    if any(a[0] >= b[0] or a[1] > b[1] for a, b in itertools.pairwise(out)):
        raise PolicyError(f"{label}: bands must rise in both figures")
    return tuple(out)
