"""The seed: deterministic, realistic lives, and card profiles in the format of
docs/card-profiles.md that match the back office's members."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from backoffice.policy import load_policy
from backoffice.seed import seed_database
from backoffice.seed.lives import INITIAL_PIN, SHOWCASES, History, LifeMaker, month_index
from backoffice.seed.rows import BenefitPayment, Contribution
from backoffice.seed.run import SeedError
from backoffice.storage import Database
from backoffice.storage.members import CardRow, ContributionRow, MemberRow
from kiosk.domain import is_valid_id_number

AS_OF = dt.date(2026, 6, 20)
POLICY = load_policy()


def _seed(tmp: Path, name: str, members: int, seed: int) -> tuple[Database, Path]:
    db = Database(str(tmp / f"{name}.sqlite3"))
    cards = tmp / f"{name}-cards"
    seed_database(db, POLICY, members=members, seed=seed, as_of=AS_OF, cards_dir=cards)
    return db, cards


def _fingerprint(db: Database, cards: Path) -> str:
    h = hashlib.sha256()
    with db.engine.connect() as c:
        for table in ("member", "card", "enrolment", "contribution", "pension_account_year"):
            for row in c.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2")):
                h.update(repr(tuple(row)).encode())
    for f in sorted(cards.glob("*.toml")):
        h.update(f.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Path]]:
    db, cards = _seed(tmp_path_factory.mktemp("seed"), "main", 150, 3)
    yield db, cards
    db.dispose()


def test_the_same_seed_gives_the_same_members(tmp_path: Path) -> None:
    a = _fingerprint(*_seed(tmp_path, "a", 12, 5))
    b = _fingerprint(*_seed(tmp_path, "b", 12, 5))
    c = _fingerprint(*_seed(tmp_path, "c", 12, 6))
    assert a == b
    assert a != c


def test_a_member_does_not_depend_on_how_many_are_seeded(tmp_path: Path) -> None:
    _, small = _seed(tmp_path, "small", 9, 5)
    _, large = _seed(tmp_path, "large", 20, 5)
    for f in small.glob("member-*.toml"):
        assert f.read_bytes() == (large / f.name).read_bytes()


def test_seeding_a_database_that_holds_members_is_refused(tmp_path: Path) -> None:
    db, _ = _seed(tmp_path, "x", 3, 1)
    with pytest.raises(SeedError):
        seed_database(db, POLICY, members=3, seed=1, as_of=AS_OF)
    seed_database(db, POLICY, members=4, seed=2, as_of=AS_OF, reset=True)
    with db.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(MemberRow)).scalar_one() == 4


PROFILE_KEYS = {
    "card": {"spec_version", "algorithm", "pin", "pin_tries", "role"},
    "ef05": {"card_identifier", "card_type", "issuer", "issue_date", "expiry_date", "card_number"},
    "ef06": {
        "id_number",
        "name",
        "name_ext",
        "sex",
        "ethnicity",
        "birthplace",
        "birth_date",
    },
}


def _date(text: str) -> dt.date:
    assert re.fullmatch(r"\d{8}", text)
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))


def test_card_profiles_follow_the_card_profile_format(seeded: tuple[Database, Path]) -> None:
    _, cards = seeded
    files = sorted(cards.glob("member-*.toml"))
    assert len(files) == 150
    identifiers, numbers = set(), set()
    for f in files:
        p = tomllib.loads(f.read_text("utf-8"))
        for section, keys in PROFILE_KEYS.items():
            assert set(p[section]) == keys, (f.name, section)
        card, ef05, ef06 = p["card"], p["ef05"], p["ef06"]
        assert card["spec_version"] in ("1.00", "2.00", "3.00")
        assert card["algorithm"] == ("sm4" if card["spec_version"] == "3.00" else "des3")
        assert re.fullmatch(r"\d{4,12}", card["pin"]) and card["pin_tries"] == 3
        assert card["role"] == "member"
        ident = ef05["card_identifier"]
        assert re.fullmatch(r"110100D156000005[0-9A-F]{14}FF", ident), ident
        assert len(bytes.fromhex(ident)) == 16
        assert len(ef05["card_type"].encode("ascii")) == 1
        assert len(bytes.fromhex(ef05["issuer"])) == 12
        assert _date(ef05["issue_date"]) < _date(ef05["expiry_date"])
        assert re.fullmatch(r"[A-Z0-9]{9}", ef05["card_number"])
        number = ef06["id_number"]
        assert is_valid_id_number(number), number
        assert number[6:14] == ef06["birth_date"] and _date(ef06["birth_date"])
        assert number[:6] == ef06["birthplace"] and re.fullmatch(r"\d{6}", ef06["birthplace"])
        assert int(number[16]) % 2 == (1 if ef06["sex"] == "1" else 0)
        assert 0 < len(ef06["name"].encode("gbk")) <= 30
        assert ef06["name_ext"] == "" and 1 <= ef06["ethnicity"] <= 56
        identifiers.add(ident)
        numbers.add(ef05["card_number"])
    assert len(identifiers) == len(numbers) == 150


def test_profiles_match_the_database(seeded: tuple[Database, Path]) -> None:
    db, cards = seeded
    with db.sessions() as s:
        for f in sorted(cards.glob("member-*.toml"))[:60]:
            p = tomllib.loads(f.read_text("utf-8"))
            card = s.get(CardRow, p["ef05"]["card_identifier"])
            assert card is not None and card.card_number == p["ef05"]["card_number"]
            member = s.get(MemberRow, card.member_id)
            assert member is not None
            assert member.id_number == p["ef06"]["id_number"]
            assert member.name == p["ef06"]["name"]
            assert member.sex == p["ef06"]["sex"]
            assert f"{member.birth_date:%Y%m%d}" == p["ef06"]["birth_date"]
            assert card.spec_version == p["card"]["spec_version"]


def test_members_index_documents_every_pin(seeded: tuple[Database, Path]) -> None:
    import json

    _, cards = seeded
    index = json.loads((cards / "members.json").read_text("utf-8"))
    assert index["initial_pin"] == INITIAL_PIN
    pins = collections.Counter(m["pin"] for m in index["members"])
    assert pins[INITIAL_PIN] > 75 and len(pins) > 1
    for m in index["members"]:
        p = tomllib.loads((cards / m["card_file"]).read_text("utf-8"))
        assert p["card"]["pin"] == m["pin"]
    for i, show in enumerate(SHOWCASES):
        assert index["members"][i]["pin"] == show.pin
        assert index["members"][i]["card_status"] == show.card_status


def test_lives_are_varied_and_realistic(seeded: tuple[Database, Path]) -> None:
    db, _ = seeded
    with db.engine.connect() as c:

        def scalar(sql: str) -> int:
            return int(c.execute(text(sql)).scalar_one())

        assert scalar("SELECT COUNT(*) FROM member WHERE retired") >= 8
        assert (
            scalar("SELECT COUNT(DISTINCT member_id) FROM benefit_payment WHERE kind='pension'")
            >= 8
        )
        assert (
            scalar(
                "SELECT COUNT(DISTINCT member_id) FROM benefit_payment WHERE kind='unemployment'"
            )
            >= 2
        )
        assert (
            scalar(
                "SELECT COUNT(DISTINCT member_id) FROM contribution WHERE status='transferred_in'"
            )
            >= 3
        )
        assert (
            scalar("SELECT COUNT(DISTINCT member_id) FROM contribution WHERE status='arrears'") >= 5
        )
        assert (
            scalar(
                "SELECT COUNT(DISTINCT member_id) FROM contribution WHERE scheme='resident_pension'"
            )
            >= 5
        )
        # flexible employment: the member paid, no employer
        assert (
            scalar(
                "SELECT COUNT(DISTINCT member_id) FROM contribution WHERE scheme='pension' AND payer_id IS NULL"
            )
            >= 20
        )
        # job changes: several employers in one life
        assert (
            scalar(
                "SELECT COUNT(*) FROM (SELECT member_id FROM contribution WHERE payer_id IS NOT NULL "
                "GROUP BY member_id HAVING COUNT(DISTINCT payer_id) >= 3) t"
            )
            >= 10
        )
        # 30-year members
        assert (
            scalar(
                "SELECT COUNT(*) FROM (SELECT member_id FROM contribution WHERE scheme='pension' "
                "GROUP BY member_id HAVING MAX(period) / 100 - MIN(period) / 100 >= 30) t"
            )
            >= 3
        )
        # no month paid twice, nothing after the seed's day
        assert scalar(f"SELECT COUNT(*) FROM contribution WHERE period > {AS_OF:%Y%m}") == 0
        assert scalar("SELECT COUNT(*) FROM card WHERE status <> 'valid'") >= 2


def test_contribution_bases_stay_within_the_yearly_range(seeded: tuple[Database, Path]) -> None:
    db, _ = seeded
    with db.sessions() as s:
        rows = s.execute(
            select(ContributionRow.period, ContributionRow.base_fen)
            .where(ContributionRow.scheme == "pension")
            .limit(20000)
        ).all()
    for period, base in rows:
        # Synthetic years before the wage table (1995) use the projected figure; from 1996 on
        # it is the stated one, the same the dues use.
        lo, hi = POLICY.projected_base_range(period // 100)
        if period // 100 > 1995:
            assert (lo, hi) == POLICY.base_range(period // 100)
        assert lo.fen <= base <= hi.fen, (period, base)


def test_a_retirees_pension_follows_the_national_formula() -> None:
    """A woman retiring at 50 in 2024-03 with three months on record: the seeder's pension is
    the rules' basic pension plus her account at retirement / 195 (计发月数 at 50), not the
    139 of a man at 60 (the seeder's own formula used 139 for everyone, and credited the
    retirement year's interest before it was due)."""
    maker = LifeMaker(POLICY, 1, dt.date(2024, 6, 20))
    history = History(index=99, member_id=1)
    history.contributions += [
        # base = the previous year's average monthly wage x 1, x 2, x 1 (indexes 1, 2, 1);
        # 2022: 114,029 / 12 = 9,502.42; 2023: 120,698 / 12 = 10,058.17.
        Contribution(1, "pension", 202311, 950242, 0, 76019, "paid", 1, 100000, 0, None),
        Contribution(1, "pension", 202312, 1900484, 0, 152039, "paid", 1, 200000, 0, None),
        Contribution(1, "pension", 202401, 1005817, 0, 80465, "paid", 1, 100000, 0, None),
        # Not counted: a month in arrears is neither a contribution month nor a credit.
        Contribution(1, "pension", 202402, 1005817, 80465, 80465, "arrears", 1, 0, 0, None),
    ]
    retire_m = month_index(dt.date(1974, 3, 1)) + 50 * 12  # 2024-03
    maker._pension_payments(history, retire_m, 50)
    # index (1 + 2 + 1) / 3 = 1.3333 (4 places);
    # basic = 10,058.17 x (1 + 1.3333) / 2 x 3 / 12 x 1% = 29.3359 -> 29.34.
    # Account: 2023 credits 1,000 + 2,000 = 3,000, interest 3,000 x 3.97% x 1.083 / 2
    # = 64.4927 -> 64.49, closing 3,064.49; 2024 (the retirement year: no interest yet)
    # + 1,000 = 4,064.49; / 195 = 20.8435 -> 20.84.
    # Pension 29.34 + 20.84 = 50.18 a month from 2024-04 (no January raise before 2024-06).
    # (The old formula: 2024's interest 3,064.49 x 2.62% + 1,000 x 2.62% x 1.083 / 2 = 94.48,
    # 4,158.97 / 139 = 29.92, 59.26 a month.)
    assert history.benefits == [
        BenefitPayment(1, "pension", 202404, 5018),
        BenefitPayment(1, "pension", 202405, 5018),
        BenefitPayment(1, "pension", 202406, 5018),
    ]
