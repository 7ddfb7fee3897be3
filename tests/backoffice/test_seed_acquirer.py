"""The seeder's bank side (issue 16): every seeded card's [finance] section and the reference
acquirer's account agree, so a sale with the card's 金融密码 through the real acquirer over TCP
(kiosk.acquirer, the emulated PIN pad with the demo terminal's lab TMK) is approved; the
showcase members' figures; the shipped cards' accounts."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

import common.pos8583 as p
from backoffice.acquirer.accounts import MERCHANT_NO
from backoffice.harness import RunningService, postgres_server, running_service
from backoffice.policy import load_policy
from backoffice.seed import seed_database
from backoffice.seed.finance import SHIPPED_PROFILES, member_finance
from backoffice.seed.lives import SHOWCASES, LifeMaker
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqAccountRow, AcqTerminalRow
from common.emv_profile import FinanceProfile, load_finance
from kiosk.acquirer import AcquirerClient
from kiosk.devices.epp import EmulatedEpp
from tests.helpers.acquirer import Card, sale

# Every seeded card is issued 2016 to last year and valid ten years: all valid on this day.
TODAY = dt.date(2025, 6, 16)
AT = dt.datetime(2025, 6, 16, 9, 30)
MEMBERS = 12


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    cards = tmp_path_factory.mktemp("cards")
    with running_service(members=MEMBERS, today=TODAY, cards_dir=cards, acquirer=True) as svc:
        yield svc


@pytest.fixture(scope="module")
def client(seeded: RunningService) -> AcquirerClient:
    """KIOSK-0001's acquirer terminal as the seeder registered it: KS000001 with its lab TMK."""
    assert seeded.acquirer_port is not None
    c = AcquirerClient(
        "127.0.0.1",
        seeded.acquirer_port,
        "KS000001",
        MERCHANT_NO,
        EmulatedEpp(p.lab_tmk("KS000001")),
        connect_timeout=2.0,
        read_timeout=5.0,
    )
    assert c.sign_on().code == p.APPROVED
    return c


def _profile(svc: RunningService, index: int) -> Path:
    assert svc.cards_dir is not None
    return svc.cards_dir / f"member-{index:05d}.toml"


def _finance(path: Path) -> FinanceProfile:
    fin = load_finance(path)
    assert fin is not None, f"{path.name} has no [finance]"
    return fin


def _account(svc: RunningService, pan: str) -> AcqAccountRow | None:
    db = Database(svc.database)
    try:
        with db.session() as s:
            return s.scalars(select(AcqAccountRow).where(AcqAccountRow.pan == pan)).one_or_none()
    finally:
        db.dispose()


def _social_pin(path: Path) -> str:
    return str(tomllib.loads(path.read_text(encoding="utf-8"))["card"]["pin"])


def test_a_seeded_card_pays_with_its_financial_pin(
    seeded: RunningService, client: AcquirerClient
) -> None:
    fin = _finance(_profile(seeded, 1))  # showcase #1, "can pay"
    card = Card(fin)
    req = sale(client, card, trace=101, amount_fen=12_345, at=AT)
    answer = client.purchase(req)
    assert answer.approved
    # the host derived the card's own ICC key: the card accepts its ARPC
    assert answer.issuer_auth is not None and card.arpc_ok(answer.issuer_auth, req.icc_data)
    acct = _account(seeded, fin.pan)
    assert acct is not None
    # opening 30,000.00 yuan = 3,000,000 fen (the showcase's); the sale 123.45 yuan = 12,345 fen
    assert acct.balance_fen == 2_987_655  # 3,000,000 - 12,345


def test_the_social_security_pin_is_not_the_financial_one(
    seeded: RunningService, client: AcquirerClient
) -> None:
    path = _profile(seeded, 7)  # showcase #7: 社保 PIN 135790
    fin = _finance(path)
    social = _social_pin(path)
    assert social == "135790" and fin.pin != social
    answer = client.purchase(sale(client, Card(fin), trace=201, amount_fen=100, at=AT, pin=social))
    assert answer.code == p.WRONG_PIN  # 55: the member typed the wrong PIN
    acct = _account(seeded, fin.pan)
    assert acct is not None
    assert acct.pin_tries_left == 2  # 3 tries, one used
    # opening 15,000.00 yuan = 1,500,000 fen; nothing taken
    assert acct.balance_fen == 1_500_000


def test_the_small_balance_showcase_is_declined_51(
    seeded: RunningService, client: AcquirerClient
) -> None:
    fin = _finance(_profile(seeded, 0))  # showcase #0: arrears, and 50.00 yuan in the bank
    card = Card(fin)  # one card: its ATC goes on (the host refuses a replayed one)
    answer = client.purchase(sale(client, card, trace=301, amount_fen=5_001, at=AT))
    assert answer.code == p.INSUFFICIENT_FUNDS  # 50.01 yuan > 50.00 yuan
    acct = _account(seeded, fin.pan)
    assert acct is not None and acct.balance_fen == 5_000  # 50.00 yuan, untouched
    exact = client.purchase(sale(client, card, trace=302, amount_fen=5_000, at=AT))
    assert exact.approved  # the whole 50.00 yuan is there to take
    acct = _account(seeded, fin.pan)
    assert acct is not None and acct.balance_fen == 0  # 5,000 - 5,000


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], scope="module"
)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """SQLite (executemany) and PostgreSQL (COPY): the seeder's two bulk paths."""
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("db") / "b.sqlite3")
        return
    with postgres_server() as url:
        yield url


def test_every_seeded_profile_has_its_account(database_url: str, tmp_path: Path) -> None:
    """Its own seed (the service's accounts are spent by the other tests): every profile's
    [finance] against its account as seeded."""
    db = Database(database_url)
    cards = tmp_path / "cards"
    try:
        seed_database(db, load_policy(), members=MEMBERS, seed=3, as_of=TODAY, cards_dir=cards)
        with db.session() as s:
            accounts = {a.pan: a for a in s.scalars(select(AcqAccountRow))}
    finally:
        db.dispose()
    seeded_pans = set()
    for index in range(MEMBERS):
        path = cards / f"member-{index:05d}.toml"
        fin = _finance(path)
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        acct = accounts[fin.pan]
        seeded_pans.add(fin.pan)
        assert (acct.psn, acct.expiry, acct.balance_fen) == (
            fin.psn,
            fin.expiry[:4],
            fin.balance_fen,
        )
        assert acct.card_identifier == doc["ef05"]["card_identifier"]
        assert (acct.pin_tries_left, acct.status) == (3, "active")
        # The card's own expiry (EF05, YYYYMMDD) and the bank application's (YYMMDD) agree.
        assert doc["ef05"]["expiry_date"][2:6] == fin.expiry[:4]
        # 3.00 cards do DDA, 2.00 cards SDA (as the shipped cards)
        assert fin.oda == ("dda" if doc["card"]["spec_version"] == "3.00" else "sda")
        assert fin.pin != doc["card"]["pin"]
    # the seeded cards' accounts, and the shipped cards' (4 with [finance]); no other
    shipped = {f.pan for f in map(load_finance, SHIPPED_PROFILES.glob("*.toml")) if f is not None}
    assert set(accounts) == seeded_pans | shipped
    # showcase #0 holds 50.00 yuan = 5,000 fen, #1 30,000.00 yuan = 3,000,000 fen
    assert accounts[_finance(cards / "member-00000.toml").pan].balance_fen == 5_000
    assert accounts[_finance(cards / "member-00001.toml").pan].balance_fen == 3_000_000


def test_demo_terminals_and_shipped_cards_are_at_the_acquirer(
    seeded: RunningService, client: AcquirerClient
) -> None:
    db = Database(seeded.database)
    try:
        with db.session() as s:
            terminals = {t.terminal_no: t.kiosk_id for t in s.scalars(select(AcqTerminalRow))}
    finally:
        db.dispose()
    assert terminals == {"KS000001": "KIOSK-0001", "KS000002": "KIOSK-0002"}
    shipped = [p for p in sorted(SHIPPED_PROFILES.glob("*.toml")) if load_finance(p) is not None]
    assert {x.stem for x in shipped} >= {"card-2.00", "card-3.00", "card-bank-two-apps"}
    for path in shipped:
        assert _account(seeded, _finance(path).pan) is not None, path.name
    # and one pays: card-3.00, 8,000.00 yuan = 800,000 fen, a sale of 1.00 yuan = 100 fen
    fin = _finance(SHIPPED_PROFILES / "card-3.00.toml")
    assert client.purchase(sale(client, Card(fin), trace=401, amount_fen=100, at=AT)).approved
    acct = _account(seeded, fin.pan)
    assert acct is not None and acct.balance_fen == 799_900  # 800,000 - 100


def test_finance_is_drawn_from_the_seed_alone() -> None:
    """Same seed, same cards; another seed, other PINs; a PIN never the 社保 one."""
    policy = load_policy()
    a, b = LifeMaker(policy, 1, TODAY), LifeMaker(policy, 1, TODAY)
    other = LifeMaker(policy, 2, TODAY)
    firsts = [member_finance(i, a.make(i).profile) for i in range(len(SHOWCASES), 60)]
    again = [member_finance(i, b.make(i).profile) for i in range(len(SHOWCASES), 60)]
    elsewhere = [member_finance(i, other.make(i).profile) for i in range(len(SHOWCASES), 60)]
    assert firsts == again
    assert [f.pin for f in firsts] != [f.pin for f in elsewhere]
    assert len({f.pan for f in firsts}) == len(firsts)  # one account per card
    for i, f in enumerate(firsts, start=len(SHOWCASES)):
        assert f.pin != a.make(i).profile.pin
        assert 200_000 <= f.balance_fen <= 5_000_000  # 2,000.00 to 50,000.00 yuan
