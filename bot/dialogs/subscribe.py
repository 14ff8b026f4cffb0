"""Subscribing: `/start` (onboarding), deep links, consent, `/pindah` (move).

Steps of the `start` flow, for every channel (the table `SubscribeFlow.steps`):
  language → consent → kecamatan → village (or pick, when a typed name matches several)
  → subscribed (menu); a returning resident may get confirm_move or resume instead.
- `/start kel_3672011002` and `/start kom_<slug>` skip language (taken from the app's
  language) and go straight to consent with that kelurahan or komunitas as the target.
- Without consent nothing about the resident is stored; the conversation state (which
  expires on its own) is dropped at once.
- A resident who consented to an older notice version is asked again.
- `/pindah` enters at the kecamatan step. A typed name is matched anywhere in the city;
  buttons are paged seven to a page: with ‹ › and « back that is ten, a WhatsApp list's
  limit.
Diagram: docs/conversations.md.
"""

from __future__ import annotations

from bot.dialogs import common
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.turn import Turn
from bot.platform.i18n import LANGUAGE_NAMES
from bot.platform.messages import Choice, Link, Reply, rows
from bot.regions.tree import Region
from bot.residents.records import Resident

PAGE = 7
FLOW = "start"
MAX_NAME = 80


def _village_word(turn: Turn) -> str:
    """What this city calls its villages, in the resident's language."""
    _ = turn.tr._
    words = {"kelurahan": _("kelurahan"), "desa": _("desa"), "desa/kelurahan": _("desa/kelurahan")}
    return words[turn.svc.regions.village_word()]


class SubscribeFlow(StepFlow):
    """Onboarding and moving, as one flow with two entry points."""

    name = FLOW

    def __init__(self) -> None:
        """The steps of `start`: what each does with a button and with typed input."""
        self.steps = {
            "language": Step(self._language_button, self._language_typed),
            "consent": Step(self._consent_button),
            "kecamatan": Step(self._kecamatan_button, self._region_typed),
            "village": Step(self._village_button, self._region_typed),
            "pick": Step(self._pick_button, self._region_typed),
            "confirm_move": Step(self._confirm_move_button),
            "resume": Step(self._resume_button),
        }

    def begin(self, turn: Turn, args: str) -> None:
        """`/start [payload]`."""
        target = self._target(turn, args.strip())
        resident = turn.resident
        current = resident is not None and (
            resident.consent_version == turn.svc.config.privacy.notice_version
        )
        if resident is not None and current:
            self._returning(turn, resident, target)
        elif target or resident is not None:
            if resident is not None:
                turn.say(
                    Reply(
                        text=turn.tr._(
                            "Our privacy notice has changed. Please read it and agree again "
                            "to keep receiving announcements."
                        )
                    )
                )
            turn.goto(FLOW, "consent", mode="start", **target)
            self.ask_consent(turn)
        else:
            turn.goto(FLOW, "language", mode="start")
            self._ask_language(turn)

    def begin_move(self, turn: Turn) -> None:
        """`/pindah`."""
        if turn.resident is None:
            self.begin(turn, "")
            return
        turn.goto(FLOW, "kecamatan", mode="move", page=0)
        self._ask_kecamatan(turn, edit=False)

    # -- entry helpers -------------------------------------------------------------

    def _target(self, turn: Turn, payload: str) -> dict[str, str]:
        """The kelurahan or komunitas a deep link's payload names ({} if none or unknown)."""
        if not payload:
            return {}
        kind, _, value = payload.partition("_")
        if kind == "kel":
            region = turn.svc.regions.get(value)
            if region is not None and region.level not in ("city", "kecamatan"):
                return {"village": region.code}
        if kind == "kom" and turn.svc.config.komunitas_by_slug(value):
            return {"komunitas": value}
        turn.say(
            Reply(
                text=turn.tr._(
                    "I don't recognise that link. Let's find your kelurahan or desa together."
                )
            )
        )
        return {}

    def _returning(self, turn: Turn, resident: Resident, target: dict[str, str]) -> None:
        """`/start` by a resident who consented to the current notice."""
        village = target.get("village")
        slug = target.get("komunitas")
        if slug:
            turn.svc.residents.join_komunitas(turn.address, slug, turn.now)
            turn.resident = turn.svc.residents.get(turn.address)
            self._joined_komunitas(turn, slug)
            return
        if village and (village != resident.village or not resident.active):
            turn.goto(FLOW, "confirm_move", mode="move", village=village)
            _ = turn.tr._
            turn.say(
                Reply(
                    text=_(
                        "Subscribe to {region}?",
                        region=common.region_label(turn, village),
                    )
                    + (
                        "\n" + common.status_line(turn, resident)
                        if resident.active and resident.village
                        else ""
                    ),
                    choices=((turn.button(_("✅ Yes"), "yes"), turn.button(_("✖ No"), "no")),),
                )
            )
            return
        if resident.active and resident.village:
            common.show_menu(
                turn, turn.tr._("Welcome back!") + " " + common.status_line(turn, resident)
            )
            return
        if resident.village and not resident.active:
            turn.goto(FLOW, "resume", mode="start")
            _ = turn.tr._
            turn.say(
                Reply(
                    text=_(
                        "Welcome back! Subscribe again to {region}?",
                        region=common.region_label(turn, resident.village),
                    ),
                    choices=(
                        (turn.button(_("✅ Yes"), "yes"),),
                        (turn.button(_("📍 Choose another"), "other"),),
                    ),
                )
            )
            return
        turn.goto(FLOW, "kecamatan", mode="start", page=0)
        self._ask_kecamatan(turn, edit=False)

    # language ----------------------------------------------------------------------

    def _language_typed(self, turn: Turn) -> None:
        """A typed language code or name picks that language."""
        text = turn.msg.text.strip()
        if turn.msg.kind == "text":
            for code in turn.svc.config.locales.enabled:
                if text.casefold() in (code, LANGUAGE_NAMES[code].casefold()):
                    self._language_button(turn, f"lang.{code}")
                    return
        turn.say(Reply(text=common.pick_prompt(turn)))

    def _ask_language(self, turn: Turn) -> None:
        """Offer the enabled languages."""
        enabled = turn.svc.config.locales.enabled
        choices = [turn.button(LANGUAGE_NAMES[c], f"lang.{c}") for c in enabled]
        turn.say(
            Reply(
                title=turn.tr._("Welcome to {name}!", name=turn.svc.config.deployment.name),
                text="Pilih bahasa · Choose your language · Pilih basa:",
                choices=rows(choices, 2),
            )
        )

    def _language_button(self, turn: Turn, value: str) -> None:
        """A language was chosen: consent comes next."""
        code = value.removeprefix("lang.")
        if not value.startswith("lang.") or code not in turn.svc.config.locales.enabled:
            turn.say(common.stale_button(turn))
            return
        turn.goto(FLOW, "consent")
        turn.set_locale(code)
        self.ask_consent(turn)

    # consent -----------------------------------------------------------------------

    def ask_consent(self, turn: Turn) -> None:
        """Show the privacy notice and ask for consent."""
        cfg = turn.svc.config
        _ = turn.tr._
        text = "\n\n".join(
            [
                _(
                    "{operator} runs this service. To send you announcements for your "
                    "area we store: your chat id, your language, the kelurahan or desa "
                    "and the communities you choose, and when you agreed.",
                    operator=cfg.deployment.operator,
                ),
                _(
                    "We use this only to deliver KIM information and to answer your "
                    "reports. We never share it or use it for anything else."
                ),
                _(
                    "You can see your data (/dataku), stop (/berhenti) or delete "
                    "everything (/hapusdata) at any time. After you stop, your data is "
                    "deleted within {days} days. Contact: {contact}.",
                    days=turn.tr.number(cfg.privacy.retention_days),
                    contact=cfg.deployment.contact,
                ),
                _("Notice version {version}. Do you agree?", version=cfg.privacy.notice_version),
            ]
        )
        turn.say(
            Reply(
                title=_("Privacy notice"),
                text=text,
                choices=(
                    (turn.button(_("✅ I agree"), "agree"),),
                    (turn.button(_("✖ I do not agree"), "decline"),),
                    (turn.button(_("🌐 Language"), "language"),),
                ),
            )
        )

    def _consent_button(self, turn: Turn, value: str) -> None:
        """Agree, decline, or change the language first."""
        _ = turn.tr._
        if value == "language":
            turn.goto(FLOW, "language")
            self._ask_language(turn)
            return
        if value == "decline":
            turn.end()
            turn.say(
                Reply(
                    text=_(
                        "Understood. Without your consent we cannot send you announcements, "
                        "and we have stored nothing about you. Type /start if you change "
                        "your mind."
                    )
                )
            )
            return
        if value != "agree":
            turn.say(common.stale_button(turn))
            return
        state = turn.require_state()
        cfg = turn.svc.config
        turn.svc.residents.consent(
            turn.address, turn.tr.locale, cfg.privacy.notice_version, turn.now
        )
        turn.resident = turn.svc.residents.get(turn.address)
        village = state.data.get("village")
        slug = state.data.get("komunitas")
        if village:
            self._subscribe(turn, village)
        elif slug:
            turn.svc.residents.join_komunitas(turn.address, slug, turn.now)
            turn.resident = turn.svc.residents.get(turn.address)
            self._joined_komunitas(turn, slug)
        elif turn.resident is not None and turn.resident.village and turn.resident.active:
            common.show_menu(turn, _("Thank you!") + " " + common.status_line(turn, turn.resident))
        else:
            turn.goto(FLOW, "kecamatan", page=0)
            self._ask_kecamatan(turn, edit=False)

    # kecamatan and village ---------------------------------------------------------

    def _ask_kecamatan(self, turn: Turn, edit: bool) -> None:
        """Offer the kecamatan, a page at a time."""
        state = turn.require_state()
        regions = turn.svc.regions
        _ = turn.tr._
        text = _(
            "Which kecamatan do you live in? Press a button, or type the name of your "
            "kecamatan or {village_word}.",
            village_word=_village_word(turn),
        )
        choices = self._paged(turn, regions.kecamatan, state.data.get("page", 0), "kec")
        if state.data.get("mode") == "start" and state.data.get("komunitas"):
            choices += ((turn.button(_("Skip for now"), "skip"),),)
        turn.say(Reply(text=text, choices=choices, edit=edit))

    def _ask_village(self, turn: Turn, edit: bool) -> None:
        """Offer the chosen kecamatan's villages, a page at a time."""
        state = turn.require_state()
        regions = turn.svc.regions
        kecamatan = regions[state.data["kecamatan"]]
        _ = turn.tr._
        text = _(
            "Kecamatan {kecamatan}: which {village_word}? Press a button or type its name.",
            kecamatan=kecamatan.name,
            village_word=_village_word(turn),
        )
        villages = regions.villages(kecamatan.code)
        choices = self._paged(turn, villages, state.data.get("page", 0), "vil")
        choices += ((turn.button(_("« Other kecamatan"), "back"),),)
        turn.say(Reply(text=text, choices=choices, edit=edit))

    def _paged(
        self, turn: Turn, regions: list[Region], page: int, prefix: str
    ) -> tuple[tuple[Choice, ...], ...]:
        """One page of region buttons, with ‹ › when there are more."""
        pages = max(1, -(-len(regions) // PAGE))
        page = min(max(page, 0), pages - 1)
        shown = regions[page * PAGE : (page + 1) * PAGE]
        choices = [turn.button(r.name, f"{prefix}.{r.code}") for r in shown]
        laid = rows(choices, 2)
        nav = []
        if page > 0:
            nav.append(turn.button(turn.tr._("‹ Previous"), f"page.{page - 1}"))
        if page < pages - 1:
            nav.append(turn.button(turn.tr._("More ›"), f"page.{page + 1}"))
        return (*laid, tuple(nav)) if nav else laid

    def _kecamatan_button(self, turn: Turn, value: str) -> None:
        """A kecamatan, a page, or skipping the area (after joining a komunitas)."""
        state = turn.require_state()
        kind, _, arg = value.partition(".")
        if kind == "page" and arg.isdigit():
            turn.goto(FLOW, "kecamatan", page=int(arg))
            self._ask_kecamatan(turn, edit=True)
            return
        if kind == "skip" and state.data.get("komunitas"):
            common.show_menu(
                turn, turn.tr._("Alright. You can choose your area later with /pindah.")
            )
            return
        region = turn.svc.regions.get(arg) if kind == "kec" else None
        if region is None or region.level != "kecamatan":
            turn.say(common.stale_button(turn))
            return
        turn.goto(FLOW, "village", kecamatan=region.code, page=0)
        self._ask_village(turn, edit=True)

    def _village_button(self, turn: Turn, value: str) -> None:
        """A village, a page, or back to the kecamatan."""
        kind, _, arg = value.partition(".")
        if kind == "page" and arg.isdigit():
            turn.goto(FLOW, "village", page=int(arg))
            self._ask_village(turn, edit=True)
            return
        if kind == "back":
            turn.goto(FLOW, "kecamatan", page=0)
            self._ask_kecamatan(turn, edit=True)
            return
        region = turn.svc.regions.get(arg) if kind == "vil" else None
        if region is None or region.level in ("city", "kecamatan"):
            turn.say(common.stale_button(turn))
            return
        self._subscribe(turn, region.code)

    def _region_typed(self, turn: Turn) -> None:
        """A typed kecamatan or village name; anything else gets a pointer to the buttons."""
        text = turn.msg.text.strip()
        if turn.msg.kind != "text" or not text:
            turn.say(Reply(text=common.pick_prompt(turn)))
            return
        if len(text) > MAX_NAME:
            turn.say(Reply(text=turn.tr._("That is too long for a place name.")))
            return
        self._typed_region(turn, text)

    def _typed_region(self, turn: Turn, text: str) -> None:
        """Match a typed name: within the kecamatan at the village step, else citywide."""
        state = turn.require_state()
        regions = turn.svc.regions
        within = state.data.get("kecamatan") if state.step == "village" else None
        villages = (regions.search_villages(text, within=within) if within else []) or (
            regions.search_villages(text)
        )
        kecamatan = regions.search_kecamatan(text) if state.step == "kecamatan" else []
        _ = turn.tr._
        if not villages and not kecamatan:
            turn.say(
                Reply(
                    text=_(
                        "I could not find “{text}”. Check the spelling, or press a button.",
                        text=text,
                    )
                )
            )
        elif len(villages) == 1 and not kecamatan:
            self._subscribe(turn, villages[0].code)
        elif len(kecamatan) == 1 and not villages:
            turn.goto(FLOW, "village", kecamatan=kecamatan[0].code, page=0)
            self._ask_village(turn, edit=False)
        else:
            turn.goto(FLOW, "pick")
            choices = [
                turn.button(self._with_kecamatan(turn, v), f"vil.{v.code}") for v in villages
            ]
            choices += [
                turn.button(_("Kec. {name}", name=k.name), f"kec.{k.code}") for k in kecamatan
            ]
            choices.append(turn.button(_("« Other kecamatan"), "back"))
            turn.say(Reply(text=_("Which one do you mean?"), choices=rows(choices, 1)))

    def _pick_button(self, turn: Turn, value: str) -> None:
        """One of the matches of a typed name: a kecamatan or a village."""
        if value.startswith("kec."):
            self._kecamatan_button(turn, value)
        else:
            self._village_button(turn, value)

    def _with_kecamatan(self, turn: Turn, village: Region) -> str:
        """'Bagendung (Cilegon)': a village's name with its kecamatan's."""
        kecamatan = turn.svc.regions[village.parent] if village.parent else None
        return f"{village.name} ({kecamatan.name})" if kecamatan else village.name

    # confirmations -----------------------------------------------------------------

    def _confirm_move_button(self, turn: Turn, value: str) -> None:
        """Subscribe to the deep link's village instead of the current one, or not."""
        state = turn.require_state()
        if value == "yes" and state.data.get("village"):
            self._subscribe(turn, state.data["village"])
        elif value == "no":
            resident = turn.resident
            text = common.status_line(turn, resident) if resident else ""
            common.show_menu(turn, turn.tr._("Nothing changed.") + " " + text)
        else:
            turn.say(common.stale_button(turn))

    def _resume_button(self, turn: Turn, value: str) -> None:
        """Subscribe again to the same village, or choose another."""
        resident = turn.resident
        if value == "yes" and resident is not None and resident.village:
            self._subscribe(turn, resident.village)
        elif value == "other":
            turn.goto(FLOW, "kecamatan", page=0)
            self._ask_kecamatan(turn, edit=True)
        else:
            turn.say(common.stale_button(turn))

    # results -----------------------------------------------------------------------

    def _subscribe(self, turn: Turn, village: str) -> None:
        """Subscribe (or move) to `village` and show the menu, with its chat's link."""
        svc = turn.svc
        before = turn.resident
        moved = before is not None and bool(before.village) and before.village != village
        svc.residents.subscribe(turn.address, village, turn.now)
        turn.resident = svc.residents.get(turn.address)
        _ = turn.tr._
        region = common.region_label(turn, village)
        text = (
            _("Done! You moved to {region}.", region=region)
            if moved
            else _("Done! You are subscribed to announcements for {region}.", region=region)
        )
        links: tuple[Link, ...] = ()
        code, chat = svc.directory.region_chat(village) or ("", None)
        if chat is not None and chat.invite_link:  # region_chat finds only chats with a link
            place = svc.regions[code].name
            if chat.join_request:
                text += "\n\n" + _(
                    "Join the KIM group of {place} too: press the button and ask to join; "
                    "I will let you in.",
                    place=place,
                )
            else:
                text += "\n\n" + _("Join the KIM channel of {place} too:", place=place)
            links = (Link(_("Open KIM {place}", place=place), chat.invite_link),)
        common.show_menu(turn, text, links=links)

    def _joined_komunitas(self, turn: Turn, slug: str) -> None:
        """Tell a resident they joined `slug`; ask for their area if they have none."""
        kom = turn.svc.config.komunitas_by_slug(slug)
        if kom is None:  # taken out of the configuration since the link was followed
            turn.say(common.stale_button(turn))
            return
        _ = turn.tr._
        text = _("You joined the community {name}.", name=kom.name)
        resident = turn.resident
        links: tuple[Link, ...] = ()
        if kom.chat.invite_link:
            links = (Link(_("Open {name}", name=kom.name[:40]), kom.chat.invite_link),)
        if resident is not None and not resident.village:
            turn.goto(FLOW, "kecamatan", mode="start", komunitas=slug, page=0)
            turn.say(Reply(text=text, links=links))
            self._ask_kecamatan(turn, edit=False)
            return
        common.show_menu(turn, text, links=links)
