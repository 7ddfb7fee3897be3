"""The string catalog: both languages for every key, placeholders, live switching."""

from __future__ import annotations

import pytest

from kiosk.i18n import LANGUAGES, Catalog, TranslationError, Translator


def test_every_key_has_chinese_and_english():
    cat = Catalog.load()
    assert cat.all_keys(), "the catalog is empty"
    for key in cat.all_keys():
        for lang in LANGUAGES:
            assert cat.get(key, lang).strip(), f"{key} is blank in {lang}"
    assert cat.get("attract.insert_card", "zh") == "请插入社会保障卡"
    assert cat.get("attract.insert_card", "en") == "Please insert your social security card"


def test_missing_language_is_refused_at_load(tmp_path):
    (tmp_path / "a.toml").write_text('[x.y]\nzh = "只有中文"\n', encoding="utf-8")
    with pytest.raises(TranslationError, match=r"x\.y.*lacks en"):
        Catalog.load(tmp_path)


def test_duplicate_key_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('[k]\nzh = "一"\nen = "one"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[k]\nzh = "二"\nen = "two"\n', encoding="utf-8")
    with pytest.raises(TranslationError, match="defined twice"):
        Catalog.load(tmp_path)


def test_placeholders_and_switching():
    seen: list[str] = []
    t = Translator(language="zh")
    t.on_change(seen.append)
    assert t("attract.terminal", terminal="K-1") == "终端号 K-1"
    t.language = "en"
    assert t("attract.terminal", terminal="K-1") == "Terminal K-1"
    assert seen == ["en"]
    assert (
        t.both("attract.insert_card")
        == "请插入社会保障卡 / Please insert your social security card"
    )
    with pytest.raises(TranslationError):
        t.language = "fr"
    with pytest.raises(TranslationError, match="no string"):
        t("no.such.key")
