"""The core's services, built once from the config and a Redis client.

Channel adapters and jobs receive a `Services` and never build stores themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.alerts.store import AlertStore
from bot.announcements.roles import Roles
from bot.announcements.store import Announcements
from bot.audit.trail import AuditTrail
from bot.desk.hoax_recipients import HoaxRecipients
from bot.desk.hoaxes import HoaxArchive
from bot.desk.tickets import Tickets
from bot.people.bot_links import BotLinks
from bot.people.console_access import ConsoleAccess
from bot.people.grants import RoleGrants
from bot.people.invites import Invitations
from bot.platform.clock import Clock, SystemClock
from bot.platform.config import Config
from bot.platform.dispatch import Dispatch, NoDispatch
from bot.platform.i18n import Translator
from bot.platform.store import Redis
from bot.polls.store import Polls
from bot.regions.directory import ChatDirectory
from bot.regions.tree import RegionIndex
from bot.residents.dialog_state import DialogStore
from bot.residents.flood import FloodGuard
from bot.residents.held import HeldMessages
from bot.residents.privacy import Privacy
from bot.residents.records import Residents


@dataclass
class Services:
    """Everything the dialogs and adapters use."""

    config: Config
    redis: Redis
    regions: RegionIndex
    directory: ChatDirectory
    residents: Residents
    dialogs: DialogStore
    flood: FloodGuard
    privacy: Privacy
    clock: Clock
    roles: Roles
    announcements: Announcements
    polls: Polls
    dispatch: Dispatch
    tickets: Tickets
    hoaxes: HoaxArchive
    held: HeldMessages
    recipients: HoaxRecipients
    invitations: Invitations
    bot_links: BotLinks
    console: ConsoleAccess
    audit: AuditTrail
    alerts: AlertStore

    def translator(self, locale: str) -> Translator:
        """A translator for `locale` in the deployment's time zone."""
        return Translator(locale, self.config.deployment.timezone)


def build_services(
    config: Config, redis: Redis, clock: Clock | None = None, dispatch: Dispatch | None = None
) -> Services:
    """Wire the core together; `dispatch` delivers announcements (None: this process can't)."""
    clock = clock or SystemClock()
    residents = Residents(redis, config.deployment.timezone, clock)
    dialogs = DialogStore(redis, config.limits.dialog_ttl_minutes * 60)
    flood = FloodGuard(redis, config.limits.flood_messages_per_minute)
    regions = RegionIndex(config.regions)
    announcements = Announcements(redis, config)
    tickets = Tickets(redis, config.deployment.timezone, clock)
    held = HeldMessages(redis)
    recipients = HoaxRecipients(redis, config.deployment.timezone)
    grants = RoleGrants(redis)
    audit = AuditTrail(redis, clock, config.audit.retention_days)
    console = ConsoleAccess(redis)
    polls = Polls(redis)
    alerts = AlertStore(redis, config.alerts, regions, clock, audit)
    return Services(
        config=config,
        redis=redis,
        regions=regions,
        directory=ChatDirectory(config, regions),
        residents=residents,
        dialogs=dialogs,
        flood=flood,
        privacy=Privacy(
            redis,
            [
                residents,
                dialogs,
                flood,
                announcements,
                tickets,
                held,
                recipients,
                grants,
                console,
                polls,
                alerts,
            ],
            audit,
        ),
        clock=clock,
        roles=Roles(config, regions, grants),
        announcements=announcements,
        polls=polls,
        dispatch=dispatch or NoDispatch(),
        tickets=tickets,
        hoaxes=HoaxArchive(redis),
        held=held,
        recipients=recipients,
        invitations=Invitations(redis),
        bot_links=BotLinks(redis),
        console=console,
        audit=audit,
        alerts=alerts,
    )
