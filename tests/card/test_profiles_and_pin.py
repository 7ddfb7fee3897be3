"""Profile files, masking, PIN blocks and the PC/SC part 10 feature discovery."""

from __future__ import annotations

import struct

import pytest

from cardio import codec
from cardio.emulator.profile import PROFILES_DIR, ProfileError, load_profile
from cardio.errors import PinFormatError
from cardio.pin import (
    FEATURE_MODIFY_PIN_DIRECT,
    FEATURE_VERIFY_PIN_DIRECT,
    PinPad,
    ScreenPin,
    parse_features,
    verify_pin_direct_block,
)

SHIPPED = {
    "card-2.00",
    "card-3.00",
    "card-rare-name",
    "card-blocked",
    "card-corrupt",
    "card-forged",
    "card-admin",
}


def test_all_required_profiles_ship_and_load():
    names = {p.stem for p in PROFILES_DIR.glob("*.toml")}
    assert names >= SHIPPED
    for p in PROFILES_DIR.glob("*.toml"):
        load_profile(p)
    assert load_profile(PROFILES_DIR / "card-admin.toml").role == "admin"
    assert load_profile(PROFILES_DIR / "card-blocked.toml").pin_tries_left == 0
    assert (
        dict(load_profile(PROFILES_DIR / "card-rare-name.toml").ef06)[0x4E]
        .rstrip(b"\0")
        .decode("gbk")
        == "堃喆"
    )


def test_docs_example_profile_loads(tmp_path):
    # The example in docs/card-profiles.md is the format the back office seed writes.
    doc = (PROFILES_DIR.parent.parent / "docs" / "card-profiles.md").read_text(encoding="utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    f = tmp_path / "seed.toml"
    f.write_text(example, encoding="utf-8")
    p = load_profile(f)
    assert p.spec_version == "3.00" and p.algorithm == "sm4" and p.role == "member"


@pytest.mark.parametrize(
    ("section", "line", "key"),
    [
        ("[card]", 'pin = "12a456"', "card.pin"),
        ("[card]", 'spec_version = "4.00"', "card.spec_version"),
        ("[ef05]", 'card_identifier = "1101"', "ef05.card_identifier"),
        ("[ef05]", 'issue_date = "2021-03-15"', "ef05.issue_date"),
        ("[ef06]", 'sex = "M"', "ef06.sex"),
        ("[ef06]", 'name = "名字超过三十个字节的名字名字名字名字名字名字"', "ef06.name"),
    ],
)
def test_broken_profile_names_file_and_key(tmp_path, section, line, key):
    src = (PROFILES_DIR / "card-3.00.toml").read_text(encoding="utf-8")
    field = line.split(" = ")[0]
    lines = src.splitlines()
    start = lines.index(section)
    for i in range(start + 1, len(lines)):
        if lines[i].startswith(field + " "):
            lines[i] = line
            break
    bad = tmp_path / "broken.toml"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(bad)
    assert err.value.key == key and "broken.toml" in str(err.value)


def test_masking():
    assert codec.mask("110101199003071233") == "110***********1233"
    assert "0019" in codec.mask("X00000019") and "000000" not in codec.mask("X00000019")


def test_pin_blocks():
    assert codec.pin_block(b"123456") == bytearray.fromhex("123456")
    assert codec.pin_block(b"12345") == bytearray.fromhex("12345F")
    for bad in (b"123", b"1234567890123", b"12a456"):
        with pytest.raises(PinFormatError):
            codec.pin_block(bad)


def test_screen_pin_hides_and_wipes():
    pin = ScreenPin()
    for d in "246810":
        pin.append(d)
    pin.backspace()
    assert len(pin) == 5 and "2468" not in repr(pin) and "2468" not in str(pin)
    buf = pin.digits
    pin.wipe()
    assert not any(buf) and pin.wiped


# Recorded GET_FEATURE_REQUEST answer of a PIN-pad reader (CCID driver, control codes 0x42330000+n).
RECORDED_PINPAD = bytes.fromhex(
    "0604423300060704423300070A0442330 00A1204423300121304423300 13".replace(" ", "")
)
RECORDED_PLAIN = bytes.fromhex("120442330012")  # a reader without a PIN pad: TLV properties only


def test_feature_discovery_parses_recorded_tlv():
    features = parse_features(RECORDED_PINPAD)
    assert features[FEATURE_VERIFY_PIN_DIRECT] == 0x42330006
    assert features[FEATURE_MODIFY_PIN_DIRECT] == 0x42330007
    assert FEATURE_VERIFY_PIN_DIRECT not in parse_features(RECORDED_PLAIN)
    assert parse_features(b"") == {}
    assert parse_features(bytes.fromhex("0603423300")) == {}  # malformed length: nothing offered


def test_verify_pin_direct_structure():
    block = verify_pin_direct_block(bytes.fromhex("00200000"), pad=PinPad(timeout_s=30))
    fixed = struct.unpack("<BBBBBHBBHB3BI", block[:19])
    assert fixed[2] == 0x81  # BCD, byte units, position 0
    assert fixed[3] == 3  # a 3-byte PIN block: 6 digits
    assert fixed[5] == 0x0606  # min 6, max 6 digits
    assert fixed[8] == 0x0804  # zh-CN prompts
    assert fixed[-1] == len(block) - 19 == 8
    assert block[19:] == bytes.fromhex("0020000003FFFFFF")


def test_json_profile_equals_toml(tmp_path):
    import json
    import tomllib

    src = PROFILES_DIR / "card-rare-name.toml"
    doc = tomllib.loads(src.read_text(encoding="utf-8"))
    j = tmp_path / "card-rare-name.json"
    j.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    a, b = load_profile(src), load_profile(j)
    assert (a.ef05, a.ef06, a.pin, a.spec_version) == (b.ef05, b.ef06, b.pin, b.spec_version)
