"""Command line: `python -m emulator --port 8081 --token 123:ABC[:username]`.

`--state-file PATH` keeps the world (users, chats, messages, ids) across runs.
`--whatsapp` (or any `--wa-*` flag) also serves the WhatsApp Cloud API stand-in under
/graph, with WhatsApp people under /sim/wa.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
import sys

from .limits import RateLimits
from .server import Emulator
from .whatsapp import WhatsAppConfig, parse_template_spec
from .whatsapp.config import DEFAULT_PHONE_NUMBER_ID, STATUS_STAGES


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="Local Telegram Bot API emulator with a web simulator page.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port, 0 picks a free one")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN[:username]",
        help="register a bot token (repeatable)",
    )
    parser.add_argument("--rate", type=float, default=30.0, help="messages/s per bot")
    parser.add_argument(
        "--private-rate", type=float, default=1.0, help="messages/s per private chat"
    )
    parser.add_argument("--private-burst", type=int, default=3, help="burst per private chat")
    parser.add_argument(
        "--group-rate", type=float, default=20.0, help="messages/min per group or channel"
    )
    parser.add_argument("--group-burst", type=int, default=20, help="burst per group or channel")
    parser.add_argument(
        "--paid-rate", type=float, default=1000.0, help="messages/s with allow_paid_broadcast"
    )
    parser.add_argument("--no-limits", action="store_true", help="disable flood control entirely")
    parser.add_argument("--log-size", type=int, default=10_000, help="request-log entries kept")
    parser.add_argument("--webhook-retries", type=int, default=3, help="retries per webhook update")
    parser.add_argument(
        "--no-privacy",
        action="store_true",
        help="bots see every group message (privacy mode off)",
    )
    parser.add_argument(
        "--state-file",
        default=None,
        metavar="PATH",
        help="load the world from PATH at start and save it there while running and on exit",
    )
    add_whatsapp_args(parser)
    return parser.parse_args(argv)


def add_whatsapp_args(parser: argparse.ArgumentParser) -> None:
    """The `--wa-*` flags of the WhatsApp Cloud API stand-in."""
    wa = parser.add_argument_group("WhatsApp Cloud API stand-in (any --wa-* flag enables it)")
    wa.add_argument("--whatsapp", action="store_true", help="serve WhatsApp with the defaults")
    wa.add_argument("--wa-phone-id", help=f"phone number id (default {DEFAULT_PHONE_NUMBER_ID})")
    wa.add_argument("--wa-token", help="access token the bot must send (a test token)")
    wa.add_argument("--wa-app-secret", help="app secret that signs webhooks (a test secret)")
    wa.add_argument("--wa-webhook", metavar="URL", help="the bot's /whatsapp/webhook URL")
    wa.add_argument("--wa-display-number", help="the business number shown to people")
    wa.add_argument(
        "--wa-template",
        action="append",
        default=[],
        metavar="NAME:LANG[:PARAMS]",
        help="an approved template and its number of body parameters (repeatable)",
    )
    wa.add_argument("--wa-throughput", type=float, help="messages/s per number (default 80)")
    wa.add_argument("--wa-pair-limit", type=int, help="messages to one person per pair window")
    wa.add_argument("--wa-pair-window", type=float, help="seconds of the pair window")
    wa.add_argument("--wa-window-hours", type=float, help="customer-service window (24)")
    wa.add_argument(
        "--wa-statuses",
        metavar="LIST",
        help=f"statuses posted per message, comma-separated (default {','.join(STATUS_STAGES)})",
    )
    wa.add_argument("--wa-shuffle-statuses", action="store_true", help="post statuses shuffled")
    wa.add_argument("--wa-status-delay", type=float, help="seconds between statuses (0.05)")
    wa.add_argument(
        "--wa-failures-as-statuses",
        action="store_true",
        help="report 131047/131026 as failed statuses, as production mostly does",
    )
    wa.add_argument(
        "--wa-no-bsuid-recipients",
        action="store_true",
        help="refuse business-scoped ids as recipients (error 131062)",
    )


def whatsapp_config(args: argparse.Namespace) -> WhatsAppConfig | None:
    """The WhatsApp settings from the `--wa-*` flags, or None when none was given."""
    values = {k: v for k, v in vars(args).items() if k.startswith("wa_")}
    wanted = args.whatsapp or any(v not in (None, False, []) for v in values.values())
    if not wanted:
        return None
    given: dict[str, object] = {}
    for flag, name in (
        ("wa_phone_id", "phone_number_id"),
        ("wa_token", "access_token"),
        ("wa_app_secret", "app_secret"),
        ("wa_display_number", "display_phone_number"),
        ("wa_webhook", "webhook_url"),
        ("wa_throughput", "throughput_per_second"),
        ("wa_pair_limit", "pair_limit"),
        ("wa_pair_window", "pair_window"),
        ("wa_window_hours", "window_hours"),
        ("wa_status_delay", "status_delay"),
    ):
        if values[flag] is not None:
            given[name] = values[flag]
    if args.wa_statuses is not None:
        given["status_stages"] = tuple(s.strip() for s in args.wa_statuses.split(",") if s.strip())
    if args.wa_shuffle_statuses:
        given["status_order"] = "shuffled"
    if args.wa_failures_as_statuses:
        given["failures_as_statuses"] = True
    if args.wa_no_bsuid_recipients:
        given["bsuid_recipients"] = False
    templates = [parse_template_spec(spec) for spec in args.wa_template]
    return WhatsAppConfig(templates=templates, **given)  # type: ignore[arg-type]


async def serve(args: argparse.Namespace) -> None:
    """Run the emulator until SIGINT or SIGTERM."""
    limits = RateLimits(
        enabled=not args.no_limits,
        global_per_second=args.rate,
        private_per_second=args.private_rate,
        private_burst=args.private_burst,
        group_per_minute=args.group_rate,
        group_burst=args.group_burst,
        paid_per_second=args.paid_rate,
    )
    emulator = Emulator(
        host=args.host,
        port=args.port,
        tokens=args.token,
        limits=limits,
        log_size=args.log_size,
        webhook_retries=args.webhook_retries,
        privacy=not args.no_privacy,
        state_file=args.state_file,
        whatsapp=whatsapp_config(args),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before announcing: a stop may come at once
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    url = await emulator.start()
    print(f"emulator listening on {url}", flush=True)
    if emulator.state is not None:
        world = emulator.world
        how = "loaded" if emulator.state.loaded else "new"
        print(
            f"state file {emulator.state.path} ({how}: {len(world.users)} users, "
            f"{len(world.chats)} chats)",
            flush=True,
        )
    for bot in emulator.world.bots.values():
        print(f"bot @{bot.user.username} id={bot.id} token={bot.token}", flush=True)
    if emulator.whatsapp is not None:
        wa = emulator.whatsapp
        print(
            f"whatsapp phone_number_id={wa.config.phone_number_id} "
            f"token={wa.config.access_token} graph={url}/graph "
            f"webhook={wa.rules.webhook_url or '(none: PUT /sim/wa/config)'} "
            f"users={len(wa.world.users)} templates={len(wa.templates)}",
            flush=True,
        )
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def freeze_survivors() -> None:
    """Keep the collector off the world: after every full collection, what survived it
    (users, chats, every message sent, which live until the world is reset) is frozen.

    Without this, full collections walked the whole world each time it grew by a quarter:
    with tens of thousands of messages stored that was a sixth of the emulator's CPU and
    pauses of 0.3-0.5 s, and a benchmark's later cases met a slower emulator than its
    earlier ones. Frozen objects are still freed when nothing refers to them; only cycles
    among them are never collected (a reset world's, until the process ends)."""

    def after(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()

    gc.freeze()
    gc.callbacks.append(after)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    freeze_survivors()
    try:
        asyncio.run(serve(args))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
