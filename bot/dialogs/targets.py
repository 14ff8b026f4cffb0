"""Choosing targets inside one's scope, a page of toggles at a time: the step `/broadcast`
and `/jajak` share. The flow keeps `selected` (target keys) and `page` in its state;
`targets_button` toggles, turns the page, or calls the flow's next step."""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogs import common
from bot.dialogs.turn import Turn
from bot.platform.messages import Reply, rows

PAGE = 7


def ask_targets(turn: Turn, question: str, edit: bool) -> None:
    """The admin's targets as toggles under `question`, a page at a time."""
    state = turn.require_state()
    targets = turn.svc.roles.targets(turn.address)
    selected = set(state.data.get("selected", []))
    pages = max(1, -(-len(targets) // PAGE))
    page = min(max(int(state.data.get("page", 0)), 0), pages - 1)
    buttons = [
        turn.button(("✅ " if t.key in selected else "") + t.label, f"t.{index}")
        for index, t in enumerate(targets)
        if page * PAGE <= index < (page + 1) * PAGE
    ]
    laid = list(rows(buttons, 2))
    nav = []
    if page > 0:
        nav.append(turn.button(turn.tr._("‹ Previous"), f"page.{page - 1}"))
    if page < pages - 1:
        nav.append(turn.button(turn.tr._("More ›"), f"page.{page + 1}"))
    if nav:
        laid.append(tuple(nav))
    last = [turn.button(turn.tr._("✖ Cancel"), "cancel")]
    if selected:
        last.insert(0, turn.button(turn.tr._("Next ›"), "next"))
    laid.append(tuple(last))
    turn.say(Reply(text=question, choices=tuple(laid), edit=edit))


def targets_button(
    turn: Turn, value: str, ask: Callable[[bool], None], then: Callable[[], None]
) -> None:
    """Toggle a target, turn the page (`ask(edit)` shows the page again), or go on with
    `then()` once something is selected."""
    state = turn.require_state()
    verb, _, arg = value.partition(".")
    targets = turn.svc.roles.targets(turn.address)
    if verb == "page" and arg.isdigit():
        turn.keep(page=int(arg))  # the same step, its message edited in place
        ask(True)
    elif verb == "t" and arg.isdigit() and int(arg) < len(targets):
        key = targets[int(arg)].key
        selected = list(state.data.get("selected", []))
        selected = [k for k in selected if k != key] if key in selected else [*selected, key]
        turn.keep(selected=selected)
        ask(True)
    elif verb == "next" and state.data.get("selected"):
        then()
    else:
        turn.say(common.stale_button(turn))


def selected_in_scope(turn: Turn) -> list[str]:
    """The selected targets the admin may still target (checked again on every step)."""
    state = turn.require_state()
    return [k for k in state.data.get("selected", []) if turn.svc.roles.may_target(turn.address, k)]
