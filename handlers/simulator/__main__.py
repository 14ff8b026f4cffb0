"""Command line: `python -m handlers.simulator --port 8081 --token 123:ABC[:username]`.

`--state-file PATH` keeps the world (users, chats, messages, ids) across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from .emulator import Emulator
from .limits import RateLimits


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m handlers.simulator",
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
    return parser.parse_args(argv)


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
    )
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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    try:
        asyncio.run(serve(args))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
