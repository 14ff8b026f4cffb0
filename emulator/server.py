"""The emulator: one aiohttp application serving the Bot API, the /sim API and the web page.

Use it from tests with `async with Emulator(tokens=["123:ABC"]) as emu:` (the
base URL is `emu.base_url`) or `emu = await start_emulator(...)`, or from the
command line with `python -m emulator`. With `state_file` the world
survives restarts (see persistence.py). With `whatsapp=WhatsAppConfig(...)` the same
application also serves a WhatsApp Cloud API stand-in under /graph and /sim/wa (see
the whatsapp subpackage).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from .botapi import BotApiServer
from .controlapi import ControlApi
from .faults import FaultInjector
from .limits import RateLimitRegistry, RateLimits
from .pagelinks import PageLinksApi
from .persistence import DEFAULT_INTERVAL, StateKeeper, StateSection
from .presets import PresetsApi
from .state import USERNAME_RE, BotAccount, World, parse_token_spec
from .userapi import UserApi
from .whatsapp import WhatsAppConfig, WhatsAppSide
from .whatsapp.persist import WaStateSection

STATIC_DIR = Path(__file__).parent / "static"
MAX_BODY = 60 * 1024 * 1024


class Emulator:
    """A local Telegram Bot API emulator with a user-side API."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: Iterable[str] = (),
        limits: RateLimits | None = None,
        log_size: int = 10_000,
        webhook_retries: int = 3,
        webhook_backoff: float = 0.2,
        privacy: bool = True,
        state_file: str | Path | None = None,
        state_interval: float = DEFAULT_INTERVAL,
        whatsapp: WhatsAppConfig | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.whatsapp = WhatsAppSide(whatsapp, log_size) if whatsapp is not None else None
        self.state: StateKeeper | None = None
        if state_file is not None:
            sections: dict[str, StateSection] = {}
            if self.whatsapp is not None:
                sections["whatsapp"] = WaStateSection(self.whatsapp.world)
            self.state = StateKeeper(state_file, state_interval, sections)
            self.world = self.state.load()
        else:
            self.world = World()
        self.limits = RateLimitRegistry(limits)
        self.faults = FaultInjector()
        self.server = BotApiServer(
            self.world,
            self.limits,
            self.faults,
            log_size=log_size,
            webhook_retries=webhook_retries,
            webhook_backoff=webhook_backoff,
        )
        self.user_api = UserApi(self.world)
        self.control_api = ControlApi(self.world, self.server, self.limits, self.faults)
        self.presets_api = PresetsApi(self.world)
        self.links_api = PageLinksApi()
        self.privacy = privacy
        self.runner: web.AppRunner | None = None
        self._base_url: str | None = None
        for spec in tokens:
            token, username = parse_token_spec(spec)
            saved = self.world.tokens.get(token)
            if saved is None:
                self.add_bot(spec)
            else:
                self._refresh_bot(saved, username)

    def _refresh_bot(self, bot: BotAccount, username: str | None) -> None:
        """Apply the current privacy mode and an explicit username to a bot from the state file."""
        changed = bot.can_read_all_group_messages != (not self.privacy)
        bot.can_read_all_group_messages = not self.privacy
        if username is not None and username != bot.user.username:
            if not USERNAME_RE.match(username):
                raise ValueError(f"invalid bot username {username!r}")
            owner = self.world.find_username(username)
            if owner is not None and owner is not bot.user:
                raise ValueError(f"username {username!r} is already taken")
            bot.user.username = username
            changed = True
        if changed:
            self.world.changed()

    def add_bot(
        self, spec: str, username: str | None = None, first_name: str | None = None
    ) -> BotAccount:
        """Register a bot from `TOKEN` or `TOKEN:username`."""
        token, parsed = parse_token_spec(spec)
        return self.world.add_bot(
            token,
            username or parsed,
            first_name,
            can_read_all_group_messages=not self.privacy,
        )

    def app(self) -> web.Application:
        """Build the aiohttp application."""
        app = web.Application(client_max_size=MAX_BODY)
        app.add_routes(self.server.routes())
        app.add_routes(self.user_api.routes())
        app.add_routes(self.control_api.routes())
        app.add_routes(self.presets_api.routes())
        app.add_routes(self.links_api.routes())
        if self.whatsapp is not None:
            app.add_routes(self.whatsapp.routes())
        app.add_routes([web.get("/", self.index)])
        app.router.add_static("/static/", STATIC_DIR)
        app.on_cleanup.append(self._cleanup)
        return app

    async def index(self, request: web.Request) -> web.StreamResponse:
        """Serve the web simulator page."""
        return web.FileResponse(STATIC_DIR / "index.html")

    async def _cleanup(self, app: web.Application) -> None:
        await self.server.webhooks.close()
        if self.whatsapp is not None:
            await self.whatsapp.close()

    @property
    def base_url(self) -> str:
        """Return `http://host:port` of the running emulator."""
        if self._base_url is None:
            raise RuntimeError("the emulator is not running")
        return self._base_url

    async def start(self) -> str:
        """Start serving and return the base URL."""
        if self.runner is not None:
            return self.base_url
        runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self.runner = runner
        address: Any = runner.addresses[0]
        self.port = int(address[1])
        host = self.host if ":" not in self.host else f"[{self.host}]"
        self._base_url = f"http://{host}:{self.port}"
        for bot in self.world.bots.values():
            if bot.updates.webhook is not None:
                self.server.webhooks.ensure(bot)
        if self.state is not None:
            self.state.start()
        return self._base_url

    async def stop(self) -> None:
        """Stop serving; with a state file, save the world a last time."""
        if self.runner is not None:
            runner, self.runner = self.runner, None
            await runner.cleanup()
            self._base_url = None
        if self.state is not None:
            await self.state.stop()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def start_emulator(host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> Emulator:
    """Create and start an emulator; read the URL from `.base_url`."""
    emulator = Emulator(host=host, port=port, **kwargs)
    await emulator.start()
    return emulator
