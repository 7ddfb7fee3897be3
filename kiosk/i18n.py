"""User-facing strings in Chinese (first) and English.

Strings live in kiosk/locale/*.toml, one file per area of the product, each key a table with
`zh` and `en`. A missing key or a missing language is an error at load time, not a blank on
screen. Placeholders use str.format names: "剩余 {tries} 次".
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError

LANGUAGES = ("zh", "en")
LOCALE_DIR = Path(__file__).with_name("locale")


class TranslationError(KioskError):
    """A string key or language that the catalog does not hold."""


class Catalog:
    """All strings of the product, by key and language."""

    def __init__(self, strings: dict[str, dict[str, str]]) -> None:
        self._strings = strings

    @classmethod
    def load(cls, folder: Path = LOCALE_DIR) -> Catalog:
        strings: dict[str, dict[str, str]] = {}
        for f in sorted(folder.glob("*.toml")):
            with f.open("rb") as fh:
                data = tomllib.load(fh)
            for key, entry in _flatten(data):
                if key in strings:
                    raise TranslationError(f"{f.name}: string '{key}' is defined twice")
                missing = [lang for lang in LANGUAGES if not isinstance(entry.get(lang), str)]
                if missing:
                    raise TranslationError(f"{f.name}: string '{key}' lacks {', '.join(missing)}")
                strings[key] = {lang: entry[lang] for lang in LANGUAGES}
        return cls(strings)

    def all_keys(self) -> list[str]:
        return sorted(self._strings)

    def get(self, key: str, language: str, **params: object) -> str:
        try:
            text = self._strings[key][language]
        except KeyError:
            if key not in self._strings:
                raise TranslationError(f"no string '{key}'") from None
            raise TranslationError(f"no language '{language}'") from None
        return text.format(**params) if params else text


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, str]]]:
    out: list[tuple[str, dict[str, str]]] = []
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and any(lang in v for lang in LANGUAGES):
            out.append((key, v))
        elif isinstance(v, dict):
            out.extend(_flatten(v, key + "."))
        else:
            raise TranslationError(f"string '{key}' must be a table with zh and en")
    return out


class Translator:
    """The current language and the catalog; tells listeners when the language changes."""

    def __init__(self, catalog: Catalog | None = None, language: str = "zh") -> None:
        self.catalog = catalog or Catalog.load()
        self._language = language
        self._listeners: list[Callable[[str], None]] = []
        self._lock = threading.Lock()
        self.language = language

    @property
    def language(self) -> str:
        return self._language

    @language.setter
    def language(self, value: str) -> None:
        if value not in LANGUAGES:
            raise TranslationError(f"no language '{value}' (expected one of {LANGUAGES})")
        self._language = value
        with self._lock:
            listeners = list(self._listeners)
        for fn in listeners:
            fn(value)

    def on_change(self, fn: Callable[[str], None]) -> None:
        with self._lock:
            self._listeners.append(fn)

    def __call__(self, key: str, **params: object) -> str:
        return self.catalog.get(key, self._language, **params)

    def both(self, key: str, **params: object) -> str:
        """'中文 / English', for paper and voice that serve both languages."""
        return " / ".join(self.catalog.get(key, lang, **params) for lang in LANGUAGES)
