"""The package boundaries of docs/architecture.md hold in the code: one test over the import graph.

The allowed imports are read from the doc's tables (the one source of truth); every `.py` under our
packages and tests/ is parsed (imports inside functions included, and
`importlib.import_module("...")` / `__import__("...")` with a literal name). A crossing prints as
`file:line imports module (rule)`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.paths import REPO

DOC = REPO / "docs" / "architecture.md"
PACKAGES = ("common", "cardio", "printer", "kiosk", "screens", "backoffice")


@dataclass(frozen=True)
class Crossing:
    file: str  # repo-relative, posix
    line: int
    module: str
    rule: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} imports {self.module} ({self.rule})"


def _section(text: str, heading: str) -> str:
    """The text under a markdown heading, up to the next heading of the same or higher level."""
    level = heading.split(" ", 1)[0]
    start = text.index(heading + "\n") + len(heading) + 1
    stop = re.compile(rf"^#{{1,{len(level)}}} ", re.M).search(text, start)
    return text[start : stop.start() if stop else len(text)]


def _tables(section: str) -> list[list[list[str]]]:
    """The section's markdown tables, each a list of rows (cells stripped), header row dropped."""
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    for line in [*section.splitlines(), ""]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif rows:
            tables.append([r for r in rows[1:] if not set("".join(r)) <= set("-: ")])
            rows = []
    return tables


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


@dataclass(frozen=True)
class Rules:
    allowed: dict[str, tuple[str, ...]]  # package (or sub-package) -> what of ours it may import
    third_party: dict[str, str]  # top-level third-party module -> the only package using it
    pending: frozenset[tuple[str, str]]  # (file, imported module) known and being removed


def read_rules(text: str) -> Rules:
    boundaries = _section(text, "## Packages and their allowed imports")
    ours, third = _tables(boundaries)[:2]
    pending = _tables(_section(boundaries, "### Not yet true"))[0]
    return Rules(
        allowed={_names(p)[0]: tuple(_names(may)) for p, may in ours},
        third_party={_names(lib)[0]: _names(only)[0] for lib, only in third},
        pending=frozenset((_names(f)[0], _names(m)[0]) for f, m, _why in pending),
    )


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, wherever it sits; `from a import b` names
    a.b when that is a module of ours, else a."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against this module's package
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.append((node.lineno, sub if sub in known else base))
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id == "__import__")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _owner(module: str, rules: Rules) -> str:
    """The most specific row of the table a module of ours falls under."""
    return max((p for p in rules.allowed if _within(module, p)), key=len)


def crossings(rules: Rules, root: Path = REPO) -> list[Crossing]:
    files = sorted(f for top in PACKAGES for f in (root / top).rglob("*.py"))
    tests = sorted((root / "tests").rglob("*.py"))
    known = {_module_name(f, root) for f in files + tests}
    found: list[Crossing] = []
    for f in files:
        rel, me = f.relative_to(root).as_posix(), _module_name(f, root)
        owner = _owner(me, rules)
        for line, module in imports_of(f, root, known):
            top = module.split(".")[0]
            if top in PACKAGES:
                if _within(module, owner) and _owner(module, rules) == owner:
                    continue
                if not any(_within(module, a) for a in rules.allowed[owner]):
                    found.append(Crossing(rel, line, module, f"{owner} may not import it"))
            elif top in rules.third_party and not _within(me, rules.third_party[top]):
                found.append(Crossing(rel, line, module, f"{top} only in {rules.third_party[top]}"))
    for f in tests:
        rel = f.relative_to(root).as_posix()
        for line, module in imports_of(f, root, known):
            if (
                _within(module, "tests")
                and module != "tests"
                and not _within(module, "tests.helpers")
            ):
                found.append(Crossing(rel, line, module, "tests import only tests.helpers"))
    return found


def test_every_import_keeps_to_docs_architecture():
    rules = read_rules(DOC.read_text(encoding="utf-8"))
    found = crossings(rules)
    new = [c for c in found if (c.file, c.module) not in rules.pending]
    assert not new, "imports across a boundary of docs/architecture.md:\n" + "\n".join(
        map(str, new)
    )
    stale = rules.pending - {(c.file, c.module) for c in found}
    assert not stale, "no longer needed: delete from 'Not yet true' in docs/architecture.md: " + (
        ", ".join(f"{f} -> {m}" for f, m in sorted(stale))
    )


def test_the_rules_table_covers_every_package():
    rules = read_rules(DOC.read_text(encoding="utf-8"))
    assert set(PACKAGES) <= set(rules.allowed)
    assert rules.allowed["common"] == ()  # the leaf
    assert rules.third_party["kivy"] == "screens"
    for may in rules.allowed.values():
        assert set(may) <= set(rules.allowed), may


def test_the_checker_sees_lazy_relative_and_string_imports(tmp_path):
    # The checker itself can fail: on a made-up tree, a lazy import inside a function, Kivy, an
    # import_module call and a test importing another test module each show up; a relative
    # import inside the package and the shared domain do not.
    (tmp_path / "printer").mkdir()
    (tmp_path / "printer" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "printer" / "fonts.py").write_text("", encoding="utf-8")
    (tmp_path / "printer" / "probe.py").write_text(
        "import importlib\n"
        "from kiosk.domain import Money\n"
        "def f():\n"
        "    from kiosk.config import load\n"
        "    import kivy.app\n"
        "    from . import fonts\n"
        "    importlib.import_module('backoffice.app')\n",
        encoding="utf-8",
    )
    (tmp_path / "tests" / "area").mkdir(parents=True)
    (tmp_path / "tests" / "area" / "test_a.py").write_text(
        "from tests.area.test_b import x\nfrom tests.helpers.fakes import FakeCard\n",
        encoding="utf-8",
    )
    rules = read_rules(DOC.read_text(encoding="utf-8"))
    found = sorted((c.file, c.line, c.module) for c in crossings(rules, tmp_path))
    assert found == [
        ("printer/probe.py", 4, "kiosk.config"),
        ("printer/probe.py", 5, "kivy.app"),
        ("printer/probe.py", 7, "backoffice.app"),
        ("tests/area/test_a.py", 1, "tests.area.test_b"),
    ]


def test_every_path_in_where_is_x_exists():
    where = _section(DOC.read_text(encoding="utf-8"), "## Where is X")
    (table,) = _tables(where)
    paths = [n for _what, cell in table for n in _names(cell) if "/" in n]
    assert len(table) >= 12 and paths
    missing = [p for p in paths if not (REPO / p).exists()]
    assert not missing, (
        f"docs/architecture.md 'Where is X' names paths that do not exist: {missing}"
    )
