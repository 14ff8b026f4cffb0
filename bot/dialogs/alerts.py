"""A superadmin's ✅ Kirim / ✖ Abaikan on an early warning drafted for approval
(`AlertAction`, sent by bot/alerts/delivery.py). The presser's role is checked here: a
press by anyone else, forged or forwarded, changes nothing."""

from __future__ import annotations

from bot.alerts import delivery
from bot.dialogs import common
from bot.dialogs.turn import Turn
from bot.platform.actions import AlertAction
from bot.platform.messages import Reply


def alert_action(turn: Turn, press: AlertAction) -> None:
    """Send or ignore the drafted alert, once, for a superadmin only."""
    _ = turn.tr._
    if not turn.svc.roles.is_superadmin(turn.address):
        turn.say(Reply(text="", notice=_("You may not do that.")))
        return
    outcome = delivery.decide(turn.svc, press.alert, press.verb == "send", turn.address)
    if outcome == "missing":
        turn.say(common.stale_button(turn))
    elif outcome == "sent":
        turn.say(Reply(text=_("Early warning #{id} is being sent.", id=press.alert), edit=True))
    elif outcome == "ignored":
        turn.say(Reply(text=_("Early warning #{id} ignored.", id=press.alert), edit=True))
    elif outcome == "expired":
        text = _("Early warning #{id} has expired: it is not sent.", id=press.alert)
        turn.say(Reply(text=text, edit=True))
    else:
        text = _("Early warning #{id} was decided already.", id=press.alert)
        turn.say(Reply(text="", notice=text))
