"""Fee reductions (代缴): the government pays part of a residents' contribution for members in
a category the city names (最低生活保障对象 低保, 重度残疾人 ...), policy `[fee_reductions]`.

Per category, scheme and year the policy states either a share of the contribution ("50%") or
an amount in yuan ("100.00", never more than the contribution). The member pays the
contribution less the government's part; what goes to the member's account does not change
(the residents' pension subsidy 政府补贴 is apart from 代缴). A year the policy does not list
gives no reduction. Examples (tests/rules/test_fee_reductions.py):

- 低保, residents' pension at the lowest tier 100.00, 代缴 "100.00": the government pays
  100.00, the member 100.00 - 100.00 = 0.00; at tier 300.00: the member 300.00 - 100.00 = 200.00.
- 低保, residents' medical 380.00, 代缴 "50%": 380.00 x 0.5 = 190.00, the member 190.00;
  a fee of 375.25 x 50% = 187.625 -> 187.63 (half up), the member 375.25 - 187.63 = 187.62."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from backoffice.errors import PolicyError
from kiosk.domain import Money, Scheme

# The schemes a reduction may name: residents' schemes only (an employee's or a flexible
# worker's contribution has no 代缴).
REDUCED_SCHEMES = (Scheme.RESIDENT_PENSION, Scheme.RESIDENT_MEDICAL)
CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{0,23}$")


@dataclass(frozen=True)
class Reduction:
    """One year's figure: a share of the contribution, or an amount (at most the contribution)."""

    share: Decimal | None = None
    amount: Money | None = None

    def government_part(self, contribution: Money) -> Money:
        if self.share is not None:
            return contribution.times(self.share)
        assert self.amount is not None
        return min(self.amount, contribution)

    def __str__(self) -> str:
        if self.share is not None:
            return f"{(self.share * 100).normalize():f}%"
        assert self.amount is not None
        return f"{self.amount.yuan:.2f}"


@dataclass(frozen=True)
class Category:
    code: str
    zh: str
    en: str
    figures: dict[tuple[Scheme, int], Reduction] = field(default_factory=dict)


@dataclass(frozen=True)
class FeeReductions:
    categories: dict[str, Category] = field(default_factory=dict)

    def category(self, code: str | None) -> Category | None:
        return None if code is None else self.categories.get(code)

    def government_part(
        self, code: str | None, scheme: Scheme, year: int, contribution: Money
    ) -> Money:
        """What the government pays of `contribution` (scheme, year) for a member of category
        `code`; zero for no category, one the policy does not know, or a year it does not list."""
        cat = self.category(code)
        figure = None if cat is None else cat.figures.get((scheme, year))
        return Money.zero() if figure is None else figure.government_part(contribution)


def _figure(v: Any, label: str) -> Reduction:
    if not isinstance(v, str):
        raise PolicyError(f'{label}: expected a string, "50%" or "100.00", found {v!r}')
    try:
        if v.endswith("%"):
            share = Decimal(v[:-1]) / 100
            if not share.is_finite() or not 0 < share <= 1:
                raise PolicyError(f"{label}: a share from 0% (excluded) to 100%, found {v!r}")
            return Reduction(share=share)
        amount = Decimal(v)
    except InvalidOperation:
        raise PolicyError(f"{label}: not a number: {v!r}") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise PolicyError(f"{label}: a positive amount in yuan and fen, found {v!r}")
    return Reduction(amount=Money.of(amount))


def parse_fee_reductions(section: Any, source: str) -> FeeReductions:
    """[fee_reductions] of a policy file (optional: none without it)."""
    if section is None:
        return FeeReductions()
    if not isinstance(section, dict):
        raise PolicyError(f"{source}: [fee_reductions]: expected a table")
    out: dict[str, Category] = {}
    for code, table in section.items():
        where = f"{source}: [fee_reductions.{code}]"
        if not CATEGORY_CODE.match(code) or not isinstance(table, dict):
            raise PolicyError(f"{where}: expected a table named by a category code (a-z, 0-9, _)")
        figures: dict[tuple[Scheme, int], Reduction] = {}
        for key, value in table.items():
            if key in ("zh", "en"):
                if not isinstance(value, str) or not value:
                    raise PolicyError(f"{where} {key}: expected the category's name")
                continue
            scheme = next((s for s in REDUCED_SCHEMES if s.value == key), None)
            if scheme is None or not isinstance(value, dict):
                names = ", ".join(s.value for s in REDUCED_SCHEMES)
                raise PolicyError(f"{where} {key}: unknown key (zh, en, {names})")
            for year, v in value.items():
                if not (year.isdigit() and len(year) == 4):
                    raise PolicyError(f"{where} {key}: {year!r} is not a year")
                figures[(scheme, int(year))] = _figure(v, f"{where} {key}.{year}")
        if "zh" not in table or "en" not in table:
            raise PolicyError(f"{where}: zh and en (the category's name) are required")
        out[code] = Category(code, table["zh"], table["en"], figures)
    return FeeReductions(out)
