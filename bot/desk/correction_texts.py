"""What residents are told when a verdict they received changes, and a claim's excerpt.

`correction_text` and `withdrawal_text` are the notices of bot/desk/correction_runs.py
(and the correction's preview, bot/desk/corrections.py); `excerpt` is how the desk quotes
a claim on one line.
"""

from __future__ import annotations

from bot.desk.hoaxes import Claim
from bot.desk.verdicts import sources_text
from bot.platform.i18n import Translator

EXCERPT = 200


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of a claim's text on one line, cut at a word with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"


def _checked(tr: Translator, claim: Claim) -> list[str]:
    """The lines quoting the message the verdict was about (none for a picture)."""
    if not claim.text:
        return []
    return ["", tr._("The message checked: “{text}”", text=excerpt(claim.text))]


def correction_text(tr: Translator, claim: Claim, old: str) -> str:
    """What a resident who received the earlier verdict is sent: the new verdict, the
    explanation and the sources, said to replace the earlier one."""
    lines = [
        tr._(
            "Correction: fact check {id} is now [{verdict}]. This replaces the earlier "
            "verdict [{old}].",
            id=claim.id,
            verdict=claim.verdict.upper(),
            old=old.upper(),
        )
    ]
    lines += _checked(tr, claim)
    if claim.explanation:
        lines += ["", claim.explanation]
    if claim.sources:
        lines += ["", sources_text(tr, claim.sources)]
    return "\n".join(lines)


def withdrawal_text(tr: Translator, claim: Claim) -> str:
    """What a resident who received a verdict now withdrawn is sent."""
    lines = [
        tr._(
            "Withdrawn: the verdict [{verdict}] of fact check {id} was withdrawn by our "
            "team. Please do not rely on it or share it.",
            id=claim.id,
            verdict=claim.verdict.upper(),
        )
    ]
    lines += _checked(tr, claim)
    lines += ["", tr._("If you still need it checked, send it again with /cekhoaks.")]
    return "\n".join(lines)
