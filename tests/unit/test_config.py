"""config.toml loading: the shipped file, and one clear error for each kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG, KioskConfig, load_config, parse_config
from kiosk.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "kiosk.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_config_loads_with_every_section():
    cfg = load_config(DEFAULT_CONFIG)
    assert isinstance(cfg, KioskConfig)
    assert cfg.terminal.id == "KIOSK-0001"
    assert cfg.ui.language in ("zh", "en")
    assert cfg.ui.font_path.is_file()
    assert 30 <= cfg.timeouts.page <= 60
    assert cfg.backoffice.url.startswith("http")
    # relative output paths resolve against the config file's folder
    assert cfg.journal.path == DEFAULT_CONFIG.parent / "var" / "journal.sqlite3"


def test_every_shipped_key_is_commented():
    # A key may share the comment above a small group of keys (host and port, say); walking
    # up from each key over its group, the first other line must be a comment.
    lines = DEFAULT_CONFIG.read_text(encoding="utf-8").splitlines()

    def is_key(line: str) -> bool:
        return "=" in line and not line.lstrip().startswith(("#", "["))

    for i, line in enumerate(lines):
        if not is_key(line):
            continue
        j = i - 1
        while j >= 0 and is_key(lines[j]):
            j -= 1
        assert j >= 0 and lines[j].lstrip().startswith("#"), f"line {i + 1} lacks a comment"


def test_kiosk_config_env_points_to_another_file(tmp_path, monkeypatch):
    p = write(tmp_path, '[terminal]\nid = "HALL2-07"\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(p))
    cfg = load_config()
    assert cfg.terminal.id == "HALL2-07"
    assert cfg.source == p
    # keys not given keep their defaults
    assert cfg.timeouts.payment == 300


def test_unknown_key_suggests_the_right_one(tmp_path):
    p = write(tmp_path, "[timeouts]\npaymnet = 120\n")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    msg = str(e.value)
    assert str(p) in msg
    assert "[timeouts] paymnet" in msg
    assert "did you mean 'payment'?" in msg


def test_unknown_section_suggests_the_right_one(tmp_path):
    p = write(tmp_path, "[backofice]\nurl = 'http://x'\n")
    with pytest.raises(ConfigError, match=r"\[backofice\].*did you mean 'backoffice'"):
        load_config(p)


def test_wrong_type_names_expected_and_found(tmp_path):
    p = write(tmp_path, '[timeouts]\npage = "45"\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert e.value.key == "[timeouts] page"
    assert e.value.expected == "an integer"
    assert "a string '45'" in e.value.found


def test_bool_is_not_an_integer(tmp_path):
    p = write(tmp_path, "[receipt_printer]\nport = true\n")
    with pytest.raises(ConfigError, match="expected an integer, found a boolean True"):
        load_config(p)


def test_value_out_of_range(tmp_path):
    p = write(tmp_path, "[timeouts]\npage = 5\n")
    with pytest.raises(
        ConfigError, match=r"\[timeouts\] page: expected a value from 30 to 60, found 5"
    ):
        load_config(p)


def test_value_not_among_choices(tmp_path):
    p = write(tmp_path, '[ui]\nlanguage = "fr"\n')
    with pytest.raises(ConfigError, match=r"one of 'zh' or 'en', found 'fr'"):
        load_config(p)


@pytest.mark.parametrize("value", ["3", '"2"', "true"])
def test_multisamples_must_be_0_2_or_4(tmp_path, value):
    p = write(tmp_path, f"[ui]\nmultisamples = {value}\n")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert e.value.key == "[ui] multisamples"


def test_missing_file_path(tmp_path):
    p = write(tmp_path, '[ui]\nfont_path = "fonts/nowhere.ttf"\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert e.value.key == "[ui] font_path"
    assert "no such file" in e.value.found
    assert "fonts/nowhere.ttf" in str(e.value)


def test_optional_file_empty_means_unused_but_a_wrong_one_is_an_error(tmp_path):
    cfg = load_config(write(tmp_path, '[backoffice]\nca_file = ""\n'))
    assert cfg.backoffice.ca_file is None
    with pytest.raises(ConfigError, match=r"\[backoffice\] ca_file: expected an existing file"):
        load_config(write(tmp_path, '[backoffice]\nca_file = "ca.pem"\n'))


def test_relative_file_paths_resolve_against_the_config_folder(tmp_path):
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_text("x")
    cfg = load_config(write(tmp_path, '[backoffice]\nca_file = "certs/ca.pem"\n'))
    assert cfg.backoffice.ca_file == tmp_path / "certs" / "ca.pem"


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    p = write(tmp_path, '[ui]\nlanguage = "zh"\nwidth = = 3\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert "line 3" in str(e.value)
    assert "column" in str(e.value)
    assert str(p) in str(e.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")


def test_section_that_is_not_a_table(tmp_path):
    with pytest.raises(ConfigError, match="expected a table"):
        load_config(write(tmp_path, 'ui = "big"\n'))


def test_pattern_checked(tmp_path):
    with pytest.raises(ConfigError, match=r"\[terminal\] id"):
        load_config(write(tmp_path, '[terminal]\nid = "KIOSK 1; rm"\n'))


def test_int_accepted_where_a_number_is_wanted():
    cfg = parse_config({"backoffice": {"read_timeout": 5}})
    assert cfg.backoffice.read_timeout == 5.0
    assert isinstance(cfg.backoffice.read_timeout, float)


def test_config_is_frozen():
    cfg = parse_config({})
    with pytest.raises(AttributeError):
        cfg.ui.language = "en"
