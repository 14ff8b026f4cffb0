"""Each flow's steps are one table (`StepFlow.steps`), and the table is the whole truth.

A static scan of bot/dialogs/ finds every `turn.goto(FLOW, "<step>")`; each step a flow
moves to must be in that flow's table, and each step in a table must be reached by some
`goto`. A button for a step that is not in the table is stale; so is a button value
that a step does not take.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.dialogs import Conversations, build_conversations
from bot.dialogs.steps import StepFlow
from bot.dialogs.turn import Turn
from bot.platform.actions import StepChoice
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.messages import Incoming
from bot.platform.store import Redis
from bot.residents.dialog_state import DialogState
from bot.services import Services
from handlers.wiring import build_services
from tests.support.admins import SUPERADMIN, with_admins
from tests.support.constants import ROOT

DIALOGS = ROOT / "bot" / "dialogs"
DELEGATES = {"pindah"}  # `/pindah` enters the `start` flow's steps; it has none of its own
STALE = "That button is no longer active. Type /menu to continue."


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level string constants, `FLOW = "start"` and `A, B = "a", "b"` alike."""
    found: dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target, value = node.targets[0], node.value
        pairs: list[tuple[ast.expr, ast.expr]] = [(target, value)]
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            pairs = list(zip(target.elts, value.elts, strict=True))
        for name, constant in pairs:
            if (
                isinstance(name, ast.Name)
                and isinstance(constant, ast.Constant)
                and isinstance(constant.value, str)
            ):
                found[name.id] = constant.value
    return found


def _flow_name(node: ast.expr, constants: dict[str, str], class_name: str | None) -> str | None:
    """The flow a `goto`'s first argument names: a literal, a constant or `self.name`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and node.attr == "name"
    ):
        return class_name
    return None


def _class_names(tree: ast.Module, constants: dict[str, str]) -> dict[ast.ClassDef, str]:
    """Each class's `name = ...` attribute, resolved to its string."""
    names: dict[ast.ClassDef, str] = {}
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for item in cls.body:
            if (
                isinstance(item, ast.Assign)
                and [t.id for t in item.targets if isinstance(t, ast.Name)] == ["name"]
                and (resolved := _flow_name(item.value, constants, None))
            ):
                names[cls] = resolved
    return names


def gotos(path: Path) -> list[tuple[str, str, int]]:
    """(flow, step, line) for every `.goto(...)` call in one module; unresolvable fails."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = _constants(tree)
    classes = _class_names(tree, constants)
    owner: dict[ast.AST, str | None] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            owner[child] = classes.get(node) if isinstance(node, ast.ClassDef) else owner.get(node)
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "goto"
        ):
            continue
        where = f"{path.name}:{node.lineno}"
        assert len(node.args) >= 2, f"{where}: goto(flow, step) with both positional"
        flow = _flow_name(node.args[0], constants, owner.get(node))
        step = node.args[1]
        assert flow is not None, f"{where}: cannot tell which flow this goto names"
        assert isinstance(step, ast.Constant), f"{where}: a goto's step must be a literal"
        assert isinstance(step.value, str), f"{where}: a goto's step must be a string"
        found.append((flow, step.value, node.lineno))
    return found


def all_gotos() -> dict[str, set[str]]:
    """Flow → every step some module of bot/dialogs/ moves it to."""
    moves: dict[str, set[str]] = {}
    for path in sorted(DIALOGS.glob("*.py")):
        for flow, step, _line in gotos(path):
            moves.setdefault(flow, set()).add(step)
    return moves


def test_the_scan_sees_the_gotos_it_should() -> None:
    """The scan resolves constants, tuple constants and `self.name` (a sanity check)."""
    moves = all_gotos()
    assert {"language", "consent", "kecamatan", "village", "pick"} <= moves["start"]
    assert "collect" in moves["cekhoaks"]  # A, B = "a", "b"
    assert "kind" in moves["aspirasi"]
    assert moves["berhenti"] == {"confirm"}  # self.name
    assert moves["menu"] == {"main"}  # common.show_menu


def test_every_flow_is_a_step_flow(conversations: Conversations) -> None:
    """Every registered flow dispatches through its table (`/pindah` delegates to `start`)."""
    plain = [
        name
        for name, flow in conversations.flows.items()
        if not isinstance(flow, StepFlow) and name not in DELEGATES
    ]
    assert plain == []


def test_every_step_moved_to_is_in_its_flows_table(conversations: Conversations) -> None:
    """A `goto(FLOW, step)` names a registered flow and a step of that flow's table."""
    missing = []
    for path in sorted(DIALOGS.glob("*.py")):
        for flow, step, line in gotos(path):
            target = conversations.flows.get(flow)
            if not isinstance(target, StepFlow) or step not in target.steps:
                missing.append(f"{path.name}:{line}: {flow}/{step}")
    assert missing == []


def test_every_table_step_is_reached(conversations: Conversations) -> None:
    """No table declares a step that nothing moves to, and no entry is empty."""
    moves = all_gotos()
    for name, flow in conversations.flows.items():
        if not isinstance(flow, StepFlow):
            continue
        assert set(flow.steps) == moves.get(name, set()), name
        for step_name, step in flow.steps.items():
            assert step.on_button or step.on_input, f"{name}/{step_name} does nothing"


@pytest.fixture
def conv(config: Config, redis: Redis, clock: FixedClock) -> Conversations:
    """The engine, with the presser a superadmin so the broadcast flow admits them."""
    return build_conversations(build_services(with_admins(config), redis, clock))


def press_at(
    conv: Conversations, redis: Redis, flow: str, step: str, value: str
) -> tuple[list[str], object]:
    """Press `value` (with the right nonce) at `flow`/`step`; the notices and the state."""
    who = Address.telegram(SUPERADMIN)
    redis.delete(f"kim:flood:{who}")  # so many presses a minute would be flooding
    state = DialogState(flow, step, data={"selected": [], "page": 0})
    conv.svc.dialogs.save(who, state)
    button = StepChoice(state.nonce, value).pack()
    replies = conv.handle(Incoming(who, "button", button=button, language_code="en"))
    return [r.notice for r in replies], conv.svc.dialogs.load(who)


def test_a_button_for_a_step_not_in_the_table_is_stale(conv: Conversations, redis: Redis) -> None:
    """Whatever the flow, a step it does not declare answers a button as stale, unchanged."""
    flows = [name for name, flow in conv.flows.items() if isinstance(flow, StepFlow)]
    assert len(flows) >= 10
    for flow in flows:
        notices, state = press_at(conv, redis, flow, "no-such-step", "x")
        assert notices == [STALE], flow
        assert isinstance(state, DialogState), flow
        assert (state.flow, state.step) == (flow, "no-such-step")


def test_a_value_a_step_does_not_take_is_stale(conv: Conversations, redis: Redis) -> None:
    """Every step's button handler answers a value it does not know as stale, unchanged."""
    steps = [
        (name, step_name)
        for name, flow in conv.flows.items()
        if isinstance(flow, StepFlow)
        for step_name, step in flow.steps.items()
        if step.on_button is not None
    ]
    assert ("start", "consent") in steps
    assert ("broadcast", "targets") in steps
    for flow, step in steps:
        notices, state = press_at(conv, redis, flow, step, "forged.value")
        assert notices == [STALE], (flow, step)
        assert isinstance(state, DialogState), (flow, step)
        assert (state.flow, state.step) == (flow, step)


def test_require_state_says_what_went_wrong(services: Services) -> None:
    """A step run without a conversation state is a bug named plainly, not an assert."""
    msg = Incoming(Address.telegram(1), "text", text="hi")
    turn = Turn(msg, services, services.translator("en"), None, None, 0.0)
    with pytest.raises(RuntimeError, match="without a conversation state"):
        turn.require_state()
    state = turn.goto("menu", "main")
    assert turn.require_state() is state
