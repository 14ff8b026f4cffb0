"""The `kimbot` command: the composition root that builds and runs everything.

    kimbot demo [--port 8081] [--reset]            try it locally: emulator, web page, bot
    kimbot run [--webhook] [--host H] [--port P]   the bot (+ an RQ worker in the embedded default)
               [--metrics-port P]              /metrics and /healthz on a port of their own
    kimbot worker [--burst]                        one more RQ worker
    kimbot config check [PATH]                     validate config.yaml and summarise it
    kimbot regions import KODE [--csv F] [--out F] write a kabupaten/kota's region tree
               [--centroids F]                 villages' lat,lon (CAP alerts' polygons)
    kimbot regions links [--bot NAME] [--out F]    poster links of every kelurahan/desa
    kimbot broadcast … | kimbot broadcast status ID announcements from the terminal
    kimbot tickets list | claim|answer|… ID --as A  the desk from the terminal (WhatsApp only)
    kimbot tickets export --from D --to D          the desk's report (CSV or XLSX)
    kimbot hoaxes import FILE [--dry-run]          fact-checkers' ClaimReviews (JSON-LD, CSV)
    kimbot hoaxes export [--out FILE]              the hoax archive as ClaimReview JSON-LD
    kimbot audit export --from D --to D            the audit trail (CSV or XLSX)
    kimbot alerts ingest FILE|- | kimbot alerts list  early warnings (CAP 1.2) in, and on record
    kimbot polls list | kimbot polls export ID     polls and their results (CSV or XLSX)
    kimbot backup FILE | kimbot restore FILE       the embedded Redis's data, as one RDB file

Every command that reads a config takes --config (default $KIMBOT_CONFIG, else
./config.yaml). `broadcast`, `tickets`, `hoaxes`, `audit`, `alerts` and `polls` otherwise use the
running bot's config, and with no bot running open the data dir's embedded Redis themselves
(handlers/running.py);
`demo` with no config.yaml in its directory uses the packaged Kota Cilegon example.
Configuration errors print one line per problem and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml

from bot.platform.config import Config, ConfigError, load_config
from bot.platform.store import EmbeddedRedis
from bot.regions import importer as region_import
from bot.regions.tree import RegionIndex
from bot.regions.zones import expected_zone, zone_fits
from handlers import alerts_cli, audit_cli, polls_cli, running, tickets_cli
from handlers.settings import Settings, SettingsError

EXIT_CONFIG = 2
CONFIG_HELP = "config file (default: $KIMBOT_CONFIG, else ./config.yaml)"
# broadcast and tickets read the config the bot runs with (handlers/running.py)
RUNNING_CONFIG_HELP = (
    "config file (default: $KIMBOT_CONFIG, else the one the bot running on the data dir "
    "uses, e.g. a demo's data/demo-config.yaml, else ./config.yaml)"
)
DEMO_CONFIG_HELP = (
    "config file (default: $KIMBOT_CONFIG, else ./config.yaml, else the packaged "
    "Kota Cilegon example)"
)
COMMAND_DATA_HELP = (
    "the embedded Redis's data dir when REDIS_URL is unset (default: $KIMBOT_DATA_DIR or "
    "./data); with no bot running there, this command opens it itself"
)
EPILOG = (
    "Every command that reads a config takes --config FILE (or $KIMBOT_CONFIG). "
    "`kimbot broadcast`, `kimbot tickets`, `kimbot hoaxes`, `kimbot audit`, `kimbot alerts` "
    "and `kimbot polls` "
    "without one "
    "use the config "
    "of the bot running on the data dir (so their counts match what it sends); with no bot "
    "running they open the data dir's embedded Redis themselves. "
    "`kimbot COMMAND --help` shows each command's options."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kimbot", description="KIM Bot: Telegram and WhatsApp bot for KIM.", epilog=EPILOG
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot")
    run.add_argument("--config", help=CONFIG_HELP)
    run.add_argument("--data-dir", help="embedded Redis data (default: $KIMBOT_DATA_DIR or ./data)")
    run.add_argument(
        "--webhook", action="store_true", help="serve a webhook instead of long polling"
    )
    run.add_argument(
        "--host",
        default="127.0.0.1",
        help="listen address of the webhooks and the console (default 127.0.0.1)",
    )
    run.add_argument(
        "--port",
        type=int,
        default=8080,
        help="port of the webhooks and the web console (default 8080)",
    )
    run.add_argument("--no-worker", action="store_true", help="do not start an RQ worker child")
    run.add_argument(
        "--metrics-port",
        type=int,
        help="serve /metrics and /healthz on a port of their own too",
    )

    demo = sub.add_parser("demo", help="try the bot locally: emulator, web page and bot")
    demo.add_argument(
        "--port", type=int, default=8081, help="web page and emulator port (default 8081)"
    )
    demo.add_argument("--reset", action="store_true", help="start with empty data")
    demo.add_argument("--config", help=DEMO_CONFIG_HELP)
    demo.add_argument("--data-dir", help="where the demo keeps its data (default ./data)")

    worker = sub.add_parser("worker", help="run an RQ worker with the scheduler")
    worker.add_argument("--config", help=CONFIG_HELP)
    worker.add_argument("--data-dir", help="find the embedded Redis here when REDIS_URL is unset")
    worker.add_argument("--burst", action="store_true", help="stop when the queues are empty")

    for name, what in (
        ("backup", "write a consistent snapshot of the embedded Redis to FILE"),
        ("restore", "replace the embedded Redis's data with FILE (kimbot run stopped)"),
    ):
        tool = sub.add_parser(name, help=what, description=what + ".")
        tool.add_argument("file", help="the backup file (an RDB)")
        tool.add_argument(
            "--data-dir", help="embedded Redis data (default: $KIMBOT_DATA_DIR or ./data)"
        )

    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check", help="validate a config file and summarise it")
    check.add_argument("path", nargs="?", help="config file (default: config.yaml)")

    bc = sub.add_parser(
        "broadcast",
        help="send an announcement, or `broadcast status ID`",
        description="Send an announcement as the operator, or show one: "
        "`kimbot broadcast status ID`.",
    )
    bc.add_argument("action", nargs="*", help="`status ID` to show an announcement")
    bc.add_argument("--to", help="region codes or komunitas:<slug>, comma-separated")
    bc.add_argument("--text-file", help="UTF-8 file with the announcement text")
    bc.add_argument("--photo", help="JPEG/PNG/WebP image to send with the text as its caption")
    bc.add_argument(
        "--at",
        help="send later, in the deployment's time: 'besok jam 7 pagi', 'Senin 08.00', "
        "'25 Des 19.30', '25-11-2026 07.30'",
    )
    bc.add_argument("--detach", action="store_true", help="do not wait and show progress")
    bc.add_argument("--config", help=RUNNING_CONFIG_HELP)
    bc.add_argument("--data-dir", help=COMMAND_DATA_HELP)

    tickets = sub.add_parser("tickets", help="the desk: open tickets, staff actions, reports")
    tickets_sub = tickets.add_subparsers(dest="tickets_command", required=True)
    listing = tickets_sub.add_parser("list", help="open tickets, as their cards show them")
    listing.add_argument("--config", help=RUNNING_CONFIG_HELP)
    listing.add_argument("--data-dir", help=COMMAND_DATA_HELP)
    for action, usage in tickets_cli.USAGE.items():
        acting = tickets_sub.add_parser(action, help=usage)
        acting.add_argument("ticket", help="the ticket number, e.g. ASP-2611-0001")
        acting.add_argument("args", nargs="*", help="the text, reason, verdict or desk")
        acting.add_argument(
            "--as", dest="staff", required=True, help="a staff member or superadmin, e.g. wa:…"
        )
        acting.add_argument("--config", help=RUNNING_CONFIG_HELP)
        acting.add_argument("--data-dir", help=COMMAND_DATA_HELP)
    exp = tickets_sub.add_parser("export", help="tickets and summaries as CSV or XLSX")
    exp.add_argument("--from", dest="start", required=True, help="first day, e.g. 2026-11-01")
    exp.add_argument("--to", dest="end", required=True, help="last day (included)")
    exp.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    exp.add_argument("--out", help="output file (default tiket-FROM-TO.FORMAT)")
    exp.add_argument("--with-text", action="store_true", help="include residents' words")
    exp.add_argument("--config", help=RUNNING_CONFIG_HELP)
    exp.add_argument("--data-dir", help=COMMAND_DATA_HELP)

    hoaxes = sub.add_parser("hoaxes", help="the hoax archive in and out, as ClaimReview")
    hoaxes_sub = hoaxes.add_subparsers(dest="hoaxes_command", required=True)
    hoax_import = hoaxes_sub.add_parser(
        "import",
        help="fact-checkers' verdicts (ClaimReview JSON-LD, or CSV) into the archive",
        description="Import schema.org ClaimReview JSON-LD (one, a list, an @graph, a "
        "DataFeed or an ItemList) or a CSV with the columns claim, verdict, explanation, "
        "url, date. Any problem: each is printed and nothing is imported.",
    )
    hoax_import.add_argument("file", help="a .json/.jsonld or .csv file (UTF-8, at most 20 MB)")
    hoax_import.add_argument(
        "--dry-run", action="store_true", help="check and count only; write nothing"
    )
    hoax_export = hoaxes_sub.add_parser(
        "export", help="every verdict as ClaimReview JSON-LD, author: deployment.operator"
    )
    hoax_export.add_argument("--out", help="output file (default: standard output)")
    for tool in (hoax_import, hoax_export):
        tool.add_argument("--config", help=RUNNING_CONFIG_HELP)
        tool.add_argument("--data-dir", help=COMMAND_DATA_HELP)

    audit_cli.register(sub, {"config": RUNNING_CONFIG_HELP, "data_dir": COMMAND_DATA_HELP})
    alerts_cli.register(sub, {"config": RUNNING_CONFIG_HELP, "data_dir": COMMAND_DATA_HELP})
    polls_cli.register(sub, {"config": RUNNING_CONFIG_HELP, "data_dir": COMMAND_DATA_HELP})

    regions = sub.add_parser("regions", help="region tools")
    regions_sub = regions.add_subparsers(dest="regions_command", required=True)
    imp = regions_sub.add_parser("import", help="write a kabupaten/kota's region tree as YAML")
    imp.add_argument("code", help="Kemendagri kabupaten/kota code, e.g. 32.10")
    imp.add_argument(
        "--csv", help="a kode,nama CSV (default: the bundled Jawa Barat/Banten/NTT list)"
    )
    imp.add_argument("--out", help="output file (default: regions/<code>.yaml)")
    imp.add_argument(
        "--centroids",
        help="a kode,lat,lon CSV of villages' centroids, for CAP alerts' polygons and circles "
        "(a re-import keeps those the file has already)",
    )
    links = regions_sub.add_parser(
        "links", help="poster links (Telegram and WhatsApp) of every kelurahan/desa and komunitas"
    )
    links.add_argument("--bot", help="the Telegram bot's username, e.g. kim_cilegon_bot")
    links.add_argument("--out", help="CSV file (default: standard output)")
    links.add_argument("--config", help=CONFIG_HELP)
    return parser


def _interrupt_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop `kimbot` cleanly (children included), even when the
    process was started in the background with SIGINT ignored."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kimbot` command."""
    args = _parser().parse_args(argv)
    if args.command in ("run", "demo"):
        _interrupt_on_signals()
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per API call
    if not args.verbose:  # aiogram's "Update id=… is handled" for every update (with -v)
        logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    settings = Settings.from_env()
    try:
        if args.command == "config":
            return config_check(args.path or settings.config_path)
        if args.command == "regions" and args.regions_command == "import":
            return regions_import(args.code, args.csv, args.out, args.centroids)
        named = bool(getattr(args, "config", None)) or settings.config_named
        if getattr(args, "config", None):
            settings = _replace(settings, config_path=args.config)
        if getattr(args, "data_dir", None):
            settings = _replace(settings, data_dir=args.data_dir)
        if args.command in ("backup", "restore"):
            return backup_or_restore(settings, args.command, Path(args.file))
        if args.command in ("broadcast", "tickets", "hoaxes", "audit", "alerts", "polls"):
            settings = running.command_config(settings, named)
        if args.command == "demo" and not named and not Path(settings.config_path).exists():
            from handlers.demo import packaged_example

            settings = _replace(settings, config_path=str(packaged_example()))
            print(
                f"kimbot demo: no config.yaml in {Path.cwd()}: using the packaged "
                f"Kota Cilegon example, {settings.config_path}",
                flush=True,
            )
        config = load_config(settings.config_path)
        if args.command == "worker":
            return worker(settings, args.burst)
        if args.command == "broadcast":
            return broadcast(config, settings, args)
        if args.command == "tickets":
            return tickets(config, settings, args)
        if args.command == "hoaxes":
            return hoaxes(config, settings, args)
        if args.command == "audit":
            return audit(config, settings, args)
        if args.command == "alerts":
            return alerts(config, settings, args)
        if args.command == "polls":
            return polls(config, settings, args)
        if args.command == "regions":
            return regions_links(config, args.bot, args.out)
        if args.command == "demo":
            from handlers.demo import DemoError, run_demo

            try:
                return run_demo(config, Path(settings.data_dir), args.port, args.reset)
            except DemoError as exc:
                print(f"kimbot demo: {exc}", file=sys.stderr)
                return EXIT_CONFIG
        from handlers.runner import run  # imported late: aiogram is only needed to run

        run(
            config,
            settings,
            args.webhook,
            args.host,
            args.port,
            with_worker=not args.no_worker,
            metrics_port=args.metrics_port,
        )
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_CONFIG
    except SettingsError as exc:
        print(f"kimbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0
    return 0


def _replace(settings: Settings, **changes: Any) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)


def worker(settings: Settings, burst: bool) -> int:
    """`kimbot worker`: waits for Redis (REDIS_URL, or the embedded server of a `kimbot
    run` in the data dir) as long as it takes, then works."""
    from bot.platform.lifetime import forks_die_with_me
    from bot.platform.store import wait_for_redis
    from broadcasts.worker import run_worker
    from handlers.processes import die_with_parent_from_env
    from handlers.wiring import wire_broadcasts

    die_with_parent_from_env()  # a worker started by `kimbot run` stops when it does
    forks_die_with_me()  # RQ's scheduler (a fork) stops when the worker does
    wire_broadcasts()
    where = "REDIS_URL" if settings.redis_url else f"embedded, data dir {settings.data_dir}"
    url = wait_for_redis(
        lambda: settings.redis_url or EmbeddedRedis.running_url(settings.data_dir), where
    )
    run_worker(url, settings.config_path, burst=burst)
    return 0


def backup_or_restore(settings: Settings, command: str, file: Path) -> int:
    """`kimbot backup FILE`, `kimbot restore FILE`: the embedded Redis only."""
    from handlers import backup_cli

    if settings.redis_url:
        print(
            f"kimbot {command}: REDIS_URL is set, so the data lives in that Redis server, not "
            "in the embedded one: back it up and restore it with that server's own means "
            "(its RDB and AOF files after BGSAVE, or your provider's snapshots); "
            "see docs/operations.md",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    data_dir = Path(settings.data_dir).resolve()
    try:
        if command == "backup":
            size = backup_cli.backup(data_dir, file)
            print(f"written {file}: {size} bytes, a snapshot of {data_dir}")
            return 0
        keys, previous = backup_cli.restore(data_dir, file)
    except backup_cli.BackupError as exc:
        print(f"kimbot {command}: {exc}", file=sys.stderr)
        return 1
    print(f"restored {file} into {data_dir}: {keys} keys")
    if previous is not None:
        print(f"the previous data is in {previous}; delete it once you have checked the bot")
    return 0


def tickets(config: Config, settings: Settings, args: argparse.Namespace) -> int:
    """`kimbot tickets …`: residents are told of an action through the RQ workers."""
    with ExitStack() as stack:
        url, own = running.command_redis(settings, stack)
        return _tickets(config, url, own, args)


def _tickets(config: Config, url: str, own: bool, args: argparse.Namespace) -> int:
    from bot.platform.store import connect
    from broadcasts.dispatch import RQDispatch
    from handlers.wiring import build_services

    services = build_services(config, connect(url), dispatch=RQDispatch(connect(url, decode=False)))
    if args.tickets_command == "list":
        print(tickets_cli.open_cards(services))
        return 0
    if args.tickets_command != "export":
        try:
            said = tickets_cli.act(
                services, args.staff, args.tickets_command, args.ticket, args.args
            )
        except tickets_cli.ActionError as exc:
            print(f"kimbot tickets {args.tickets_command}: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        for line in said:
            print(line)
        if own:
            print("no bot is running: the resident is told once `kimbot run` starts")
        return 0
    try:
        files = tickets_cli.export(
            services, args.start, args.end, args.format, args.out, args.with_text
        )
    except tickets_cli.ExportError as exc:
        print(f"kimbot tickets export: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    for path in files:
        print(f"written {path}")
    return 0


def hoaxes(config: Config, settings: Settings, args: argparse.Namespace) -> int:
    """`kimbot hoaxes import FILE [--dry-run]`, `kimbot hoaxes export [--out FILE]`."""
    from bot.audit.trail import AuditTrail
    from bot.desk.claimreview import ClaimReviewError
    from bot.desk.hoaxes import HoaxArchive
    from bot.platform.clock import SystemClock
    from bot.platform.store import connect
    from handlers import hoaxes_cli

    command = f"kimbot hoaxes {args.hoaxes_command}"
    with ExitStack() as stack:
        url, _own = running.command_redis(settings, stack)
        redis = stack.enter_context(connect(url))
        archive = HoaxArchive(redis)
        if args.hoaxes_command == "export":
            out = Path(args.out) if args.out else None
            trail = AuditTrail(redis, SystemClock(), config.audit.retention_days)
            try:
                line = hoaxes_cli.export(archive, config, out, trail)
            except OSError as exc:
                print(f"{command}: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
                return 1
            print(line, file=sys.stdout if out else sys.stderr)  # stdout may be the JSON
            return 0
        try:
            line = hoaxes_cli.import_file(archive, config, Path(args.file), args.dry_run)
        except ClaimReviewError as exc:
            for problem in [*exc.problems, exc.hint] if exc.hint else exc.problems:
                print(problem, file=sys.stderr)
            print(
                f"{command}: nothing imported from {args.file}: {len(exc.problems)} problem(s)",
                file=sys.stderr,
            )
            return 1
        print(line)
        return 0


def audit(config: Config, settings: Settings, args: argparse.Namespace) -> int:
    """`kimbot audit export --from D --to D [--format csv|xlsx] [--out FILE]`."""
    from bot.platform.store import connect
    from handlers.wiring import build_services

    with ExitStack() as stack:
        url, _own = running.command_redis(settings, stack)
        services = build_services(config, stack.enter_context(connect(url)))
        return audit_cli.command(services, args)


def alerts(config: Config, settings: Settings, args: argparse.Namespace) -> int:
    """`kimbot alerts ingest FILE|-`, `kimbot alerts list [--limit N]`; an alert sent at
    once is queued for the running bot's workers."""
    from bot.platform.store import connect
    from broadcasts.dispatch import RQDispatch
    from handlers.wiring import build_services

    with ExitStack() as stack:
        url, _own = running.command_redis(settings, stack)
        rq_redis = stack.enter_context(connect(url, decode=False))
        dispatch = RQDispatch(rq_redis)
        services = build_services(config, stack.enter_context(connect(url)), dispatch=dispatch)
        return alerts_cli.command(services, args)


def polls(config: Config, settings: Settings, args: argparse.Namespace) -> int:
    """`kimbot polls list`, `kimbot polls export ID [--format csv|xlsx] [--out FILE]`."""
    from bot.platform.store import connect
    from handlers.wiring import build_services

    with ExitStack() as stack:
        url, _own = running.command_redis(settings, stack)
        services = build_services(config, stack.enter_context(connect(url)))
        return polls_cli.command(services, args)


def broadcast(config: Config, settings: Settings, args: argparse.Namespace) -> int:
    """`kimbot broadcast …` and `kimbot broadcast status ID`."""
    with ExitStack() as stack:
        url, own = running.command_redis(settings, stack)
        return _broadcast(config, url, own, args)


def _broadcast(config: Config, url: str, own: bool, args: argparse.Namespace) -> int:
    from bot.platform.store import connect
    from broadcasts.dispatch import RQDispatch
    from handlers import broadcast_cli
    from handlers.wiring import build_services

    rq_redis = connect(url, decode=False)
    services = build_services(config, connect(url), dispatch=RQDispatch(rq_redis))
    if args.action:
        if len(args.action) != 2 or args.action[0] != "status":
            print("kimbot broadcast: use `kimbot broadcast status ID`", file=sys.stderr)
            return EXIT_CONFIG
        return broadcast_cli.status(services, args.action[1])
    if not args.to or not args.text_file:
        print("kimbot broadcast: --to and --text-file are required", file=sys.stderr)
        return EXIT_CONFIG
    try:
        ann = broadcast_cli.create(services, args.to, args.text_file, args.photo, args.at)
    except broadcast_cli.BroadcastError as exc:
        print(f"kimbot broadcast: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    reach = services.announcements.count_audience(ann.targets)
    channels = len(services.announcements.channel_chats(ann.targets))
    print(f"announcement #{ann.id}: {reach} residents and {channels} channels ({ann.state})")
    if own:
        print(
            f"no bot is running: announcement #{ann.id} waits in the data dir and goes out "
            f"when `kimbot run` starts there; `kimbot broadcast status {ann.id}` shows it"
        )
        return 0
    if args.detach:
        return 0
    return broadcast_cli.follow(services, rq_redis, ann.id)


def regions_links(config: Config, bot: str | None, out: str | None) -> int:
    """`kimbot regions links`."""
    from handlers import links_cli

    try:
        text = links_cli.write(config, bot, out)
    except links_cli.LinksError as exc:
        print(f"kimbot regions links: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if out:
        print(f"written {out}: {text.count(chr(10)) - 1} links")
    else:
        print(text, end="")
    return 0


def config_check(path: str) -> int:
    """`kimbot config check`: validate, then print a summary."""
    config = load_config(path)
    for line in summary(config):
        print(line)
    code, zone = config.regions.code, config.deployment.timezone
    if not zone_fits(code, zone):
        print(
            f"warning: deployment.timezone is {zone}, but {config.regions.name} ({code}) "
            f"keeps the time of {expected_zone(code)}: residents would see wrong times",
            file=sys.stderr,
        )
    print(f"{path}: OK")
    return 0


def summary(config: Config) -> list[str]:
    """A few lines describing a valid configuration."""
    regions = RegionIndex(config.regions)
    levels = {"kelurahan": 0, "desa": 0, "desa adat": 0}
    for village in regions.villages():
        levels[village.level] += 1
    approval = sum(1 for c in config.channels.values() if c.join_request)
    roles = config.roles
    locales = config.locales
    return [
        f"deployment: {config.deployment.name} ({config.deployment.timezone})",
        f"regions: {regions.city.name} ({regions.city.code}): {len(regions.kecamatan)} kecamatan, "
        f"{levels['kelurahan']} kelurahan, {levels['desa']} desa"
        + (f", {levels['desa adat']} desa adat" if levels["desa adat"] else ""),
        f"channels: {len(config.channels)} configured ({approval} approval-only)",
        f"komunitas: {len(config.komunitas)}"
        + (f" ({', '.join(k.slug for k in config.komunitas)})" if config.komunitas else ""),
        f"roles: {len(roles.superadmins)} superadmin(s), {len(roles.admins)} admin(s), "
        f"staff group {roles.staff.group or 'not set'}, {len(roles.staff.members)} staff member(s)",
        f"locales: {locales.default} (default); enabled: {', '.join(locales.enabled)}",
        f"privacy notice: version {config.privacy.notice_version}, "
        f"retention {config.privacy.retention_days} days; "
        f"audit trail kept {config.audit.retention_years} years",
        f"broadcasts: {config.broadcasts.rate_per_second:g}/s"
        + (" (paid broadcasts)" if config.broadcasts.paid_broadcast else "")
        + f", a superadmin approves above {config.broadcasts.approval_threshold} residents",
        f"desk: {len(config.desk.topics)} topics, {len(config.desk.templates)} canned answer(s), "
        f"verification due in {config.desk.verification_working_days} working days, "
        f"hoax checks in {config.desk.hoax_hours} h"
        + (
            f"; {len(config.desk.desks)} desk(s) beside the default: "
            + ", ".join(o.id for o in config.desk.desks)
            if config.desk.desks
            else ""
        ),
        "whatsapp: "
        + (
            f"enabled, number {config.whatsapp.business_number}, daily limit "
            f"{config.whatsapp.daily_limit or 'unlimited'}"
            if config.whatsapp.enabled
            else "disabled"
        ),
        "console: "
        + (
            f"/console on the run port, at {config.console.base or 'the address it listens on'}; "
            f"login links {config.console.link_minutes} min, sessions idle "
            f"{config.console.idle_minutes} min, at most {config.console.session_hours} h"
            if config.console.enabled
            else "disabled"
        ),
        f"alerts: {len(config.alerts.feeds)} feed(s) every {config.alerts.interval_seconds} s; "
        f"at once: {', '.join(config.alerts.immediate_severities) or 'none'}; "
        f"{sum(1 for v in regions.villages() if v.point)} village(s) with a centroid",
    ]


def regions_import(
    code: str, csv_path: str | None, out: str | None, centroids: str | None = None
) -> int:
    """`kimbot regions import`."""
    source = Path(csv_path) if csv_path else region_import.bundled_csv()
    target = Path(out or f"regions/{code}.yaml")
    try:
        existing: dict[str, Any] = {}
        if target.exists():
            existing = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
        points = region_import.points_of(existing)
        if centroids:
            points.update(region_import.read_centroids(Path(centroids)))
        tree = region_import.build_tree(
            code, region_import.read_rows(source), region_import.aliases_of(existing), points
        )
    except (region_import.RegionImportError, yaml.YAMLError) as exc:
        print(f"kimbot regions import: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    n = region_import.counts(tree)
    header = (
        f"# {tree['name']} ({code}): {n['kecamatan']} kecamatan, {n['kelurahan']} kelurahan, "
        f"{n['desa']} desa.\n# Kemendagri codes from {source.name} (cahyadsn/wilayah, MIT). "
        "Add local spellings as `aliases`; a re-import keeps them.\n"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=100)
    target.write_text(header + body, encoding="utf-8")
    print(
        f"{tree['name']} ({code}): {n['kecamatan']} kecamatan, {n['kelurahan']} kelurahan, "
        f"{n['desa']} desa"
        + (f", {n['desa adat']} desa adat" if n["desa adat"] else "")
        + (f"; {n['centroids']} with a centroid" if n["centroids"] else "")
    )
    print(f"written to {target}; use it with `regions: {target}` in config.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
