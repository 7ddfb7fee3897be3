"""docs/security.md's threat table names tests that exist: every row has a test, and each
`file::name` (or `::name` of the file named before it in the row) is a test function there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECURITY = ROOT / "tests" / "security"


def threat_rows(doc: str) -> list[list[str]]:
    """The cells of each row of the table under '## Threats'."""
    section = doc.split("\n## Threats\n", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    assert lines[0].replace(" ", "") == "|who|whattheycanreach|whatstopsthem|test|", lines[0]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[2:]]


def cited_tests(cell: str) -> list[tuple[Path, str | None]]:
    """(file, test function or None) for each `...` reference in a test cell."""
    out: list[tuple[Path, str | None]] = []
    current: Path | None = None
    for ref in re.findall(r"`([^`]+)`", cell):
        if ref.startswith("[") and current is not None:  # another parameter of the last test
            continue
        file, _, name = ref.partition("::")
        if file:
            current = ROOT / file if "/" in file else SECURITY / file
        assert current is not None, f"{ref!r}: no file named before it"
        out.append((current, re.sub(r"\[.*", "", name) or None))
    return out


def missing(doc: str) -> list[str]:
    problems = []
    for cells in threat_rows(doc):
        refs = cited_tests(cells[3]) if len(cells) == 4 else []
        if not refs:
            problems.append(f"no test: {cells[0]!r}")
        for file, name in refs:
            if not file.exists():
                problems.append(f"{cells[0]!r}: no file {file.relative_to(ROOT)}")
            elif name and not re.search(
                rf"^(async )?def {re.escape(name)}\(", file.read_text(), re.M
            ):
                problems.append(f"{cells[0]!r}: no {name} in {file.relative_to(ROOT)}")
    return problems


def test_every_threat_names_tests_that_exist() -> None:
    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert len(threat_rows(doc)) >= 10
    assert missing(doc) == []


def test_the_check_sees_a_missing_test_and_a_row_without_one() -> None:
    doc = (
        "\n## Threats\n\n| who | what they can reach | what stops them | test |\n|---|---|---|---|\n"
        "| A | x | y | `test_trust.py::test_tls_1_1_is_refused`, `::test_no_such_attack` |\n"
        "| B | x | y | `tests/unit/test_session.py::test_page_timeout_warns_then_ends` |\n"
        "| C | x | y | none yet |\n"
        "| D | x | y | `test_nothing_here.py` |\n"
    )
    assert missing(doc) == [
        "'A': no test_no_such_attack in tests/security/test_trust.py",
        "no test: 'C'",
        "'D': no file tests/security/test_nothing_here.py",
    ]
