"""`/konsol`: a one-time link that signs a role holder in to the web console.

Only in a private chat, only for superadmins, KIM admins and desk staff. The link
(bot/people/console_access.py) works once, for `console.link_minutes`; a person gets at
most `console.links_per_hour` an hour. Nobody else learns the link: it goes to the
person's own private chat only.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.dialogs.steps import StepFlow
from bot.dialogs.turn import Turn
from bot.platform.messages import Reply

CONSOLE_LOGIN = "konsol"
LOGIN_PATH = "/console/masuk?t="


class ConsoleLoginFlow(StepFlow):
    """`/konsol`: the login link."""

    name = CONSOLE_LOGIN

    def begin(self, turn: Turn, args: str) -> None:
        """Send the link, or say why there is none."""
        svc = turn.svc
        _ = turn.tr._
        turn.end()
        roles = svc.roles
        who = turn.address
        if not (roles.is_admin(who) or roles.is_staff(who)):
            turn.say(Reply(text=_("The web console is for KIM admins and desk staff.")))
            return
        if turn.msg.name:  # the console names them by their profile name until they set one
            roles.grants.set_name(who, turn.msg.name, edited=False)
        settings = svc.config.console
        base = svc.bot_links.console_base(svc.config)
        if not settings.enabled or not base:
            turn.say(Reply(text=_("The web console is not switched on in this deployment.")))
            return
        token = svc.console.issue_link(
            who,
            svc.clock.now(),
            valid_seconds=settings.link_minutes * 60,
            per_hour=settings.links_per_hour,
        )
        if token is None:
            turn.say(
                Reply(
                    text=_(
                        "You asked for {count} login links within the hour. Use the last "
                        "one, or ask again in an hour.",
                        count=turn.tr.number(settings.links_per_hour),
                    )
                )
            )
            return
        link = base + LOGIN_PATH + quote(token)
        turn.say(
            Reply(
                text=_(
                    "Your login link to the KIM console:\n{link}\n\nIt works once, for "
                    "{minutes} minutes. Do not share it: whoever opens it acts as you.",
                    link=link,
                    minutes=turn.tr.number(settings.link_minutes),
                )
            )
        )
