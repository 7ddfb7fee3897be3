"""The shipped ID cards of the seeder's showcase members carry those members' identities (from
their seeded card profiles), and [idcard_reader] in config.toml opens the reader it names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from backoffice.policy import load_policy
from backoffice.seed.cards import write_profile
from backoffice.seed.lives import SHOWCASES, LifeMaker
from kiosk.config import parse_config
from kiosk.devices.idcard import open_idcard_reader
from kiosk.devices.idcard.emulated import EmulatedIdCardReader
from kiosk.devices.idcard.errors import IdCardReaderError
from kiosk.errors import ConfigError

TODAY = dt.date(2026, 12, 3)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    folder = tmp_path_factory.mktemp("profiles")
    maker = LifeMaker(load_policy(), 1, TODAY)
    lives = [maker.make(i) for i in range(len(SHOWCASES))]
    for i, life in enumerate(lives):
        write_profile(folder, i, life.profile)
    return folder, lives


def test_every_showcase_member_has_a_matching_id_card(seeded: tuple[Path, list]) -> None:
    folder, lives = seeded
    reader = EmulatedIdCardReader(profiles_dir=folder, timeout=1.0)
    try:
        for i, life in enumerate(lives):
            reader.place(f"showcase-{i}")
            reading = reader.read_card()
            assert reading is not None
            card, member = reading.card, life.member
            assert card.id_number == member.id_number
            assert card.name == member.name
            assert card.birth_date == member.birth_date
            assert card.sex == member.sex
            assert not card.expired(TODAY), f"showcase-{i}"
        reader.place("showcase-2-expired")
        old = reader.read_card()
    finally:
        reader.close()
    assert old is not None and old.card.id_number == lives[2].member.id_number
    assert old.card.expired(TODAY)  # ended 2014-05-01


def test_config_kinds_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"\[idcard_reader\] kind"):
        parse_config({"idcard_reader": {"kind": "usb"}})
    with pytest.raises(ConfigError, match=r"\[idcard_reader\] baudrate"):
        parse_config({"idcard_reader": {"baudrate": 12345}})
    with pytest.raises(ConfigError, match=r"\[idcard_reader\] timeout"):
        parse_config({"idcard_reader": {"timeout": 0}})
    with pytest.raises(ConfigError, match=r"\[idcard_reader\] card"):
        parse_config({"idcard_reader": {"card": "../etc/passwd"}})


def test_shipped_config_has_no_reader_and_none_opens_nothing() -> None:
    cfg = parse_config({})
    assert cfg.idcard_reader.kind == "none" and cfg.idcard_reader.baudrate == 115200
    assert open_idcard_reader(cfg.idcard_reader) is None


def test_emulated_kind_opens_a_reader_with_its_card() -> None:
    cfg = parse_config({"idcard_reader": {"kind": "emulated", "card": "stranger"}})
    reader = open_idcard_reader(cfg.idcard_reader)
    assert reader is not None
    try:
        reading = reader.read_card()
    finally:
        reader.close()
    assert reading is not None and reading.card.id_number == "150102197804120036"


def test_serial_kind_on_a_missing_device_is_a_reader_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "ttyUSB9")
    cfg = parse_config({"idcard_reader": {"kind": "serial", "device": missing}})
    with pytest.raises(IdCardReaderError, match="ttyUSB9"):
        open_idcard_reader(cfg.idcard_reader)
