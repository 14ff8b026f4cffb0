"""Every Redis key is composed only by the module that owns it, and documented twice:
in that module's docstring and in docs/architecture.md's key table, which must agree."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from tests.support.constants import ROOT

LAYERS = ("bot", "handlers", "broadcasts")
KEY = re.compile(r"`(kim:[^`\n]+)`")


def shape(key: str) -> str:
    """A key pattern with every placeholder alike: `kim:bc:{id}:ledger` → `kim:bc:{}:ledger`."""
    return re.sub(r"\{[^}]*\}", "{}", key)


def modules() -> list[Path]:
    """Every production module of the three layers."""
    return sorted(p for layer in LAYERS for p in (ROOT / layer).rglob("*.py"))


def documented(path: Path) -> set[str]:
    """Key patterns a module's docstring lists (its own keys)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return {shape(k) for k in KEY.findall(doc) if k != "kim:"}


def composed(path: Path) -> set[str]:
    """Every `kim:` string a module's code builds, f-string placeholders as `{}`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside_fstrings = {
        id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and id(node) not in inside_fstrings:
            text = node.value if isinstance(node.value, str) else ""
        else:
            continue
        if text.startswith("kim:") and "\n" not in text:
            found.add(shape(text))
    return found


def table() -> dict[str, str]:
    """docs/architecture.md's key table: key pattern → owning module's path."""
    rows: dict[str, str] = {}
    for line in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`kim:"):
            owner = cells[2].strip("`")
            for key in KEY.findall(cells[0]):
                assert shape(key) not in rows, f"{key} is in the table twice"
                rows[shape(key)] = owner
    return rows


def test_every_composed_key_is_listed_by_the_module_composing_it() -> None:
    """A module builds only keys (or prefixes of keys) its own docstring lists."""
    strays = []
    for path in modules():
        own = documented(path)
        for text in composed(path):
            if not any(key.startswith(text) for key in own):
                strays.append(f"{path.relative_to(ROOT)}: {text}")
    assert strays == []


def test_no_key_has_two_owners() -> None:
    """Each key pattern is listed by exactly one module."""
    owners: dict[str, list[str]] = defaultdict(list)
    for path in modules():
        for key in documented(path):
            owners[key].append(str(path.relative_to(ROOT)))
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_the_architecture_table_matches_the_owners_docstrings() -> None:
    """docs/architecture.md lists exactly the keys the modules list, with the same owner."""
    from_code = {key: str(path.relative_to(ROOT)) for path in modules() for key in documented(path)}
    assert table() == from_code
