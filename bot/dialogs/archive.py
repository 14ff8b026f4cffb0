"""`/arsip` and `/tren` for staff in a private chat with the bot (no steps).

The same answers as in the staff group: the archive's best matches with their scores,
a page at a time (the page buttons are `ArchivePage` actions, checked for the staff role
again), and the trending claims of the last 7 days per kecamatan. Others are told the
commands are for staff.
"""

from __future__ import annotations

from bot.desk.browse import archive_page, archive_search
from bot.desk.trends import trend_reply
from bot.dialogs.steps import StepFlow
from bot.dialogs.turn import Turn
from bot.platform.actions import ArchivePage


class ArchiveFlow(StepFlow):
    """`/arsip kata kunci`: search the archive of verdicts."""

    name = "arsip"

    def begin(self, turn: Turn, args: str) -> None:
        """The first page of matches, or usage, or a refusal for non-staff."""
        turn.end()
        turn.say(archive_search(turn.svc, turn.address, args))


class TrendFlow(StepFlow):
    """`/tren`: the claims asked most in the last 7 days, per kecamatan."""

    name = "tren"

    def begin(self, turn: Turn, args: str) -> None:
        """The list, or a refusal for non-staff."""
        turn.end()
        turn.say(trend_reply(turn.svc, turn.address, turn.now))


def archive_page_action(turn: Turn, press: ArchivePage) -> None:
    """A page button of the presser's last search (staff only)."""
    for reply in archive_page(turn.svc, turn.address, press.page):
        turn.say(reply)
