"""`kimbot broadcast`: announcements from the operator's terminal, with their progress.

    kimbot broadcast --to 36.72.02.1001,komunitas:sepeda-onthel --text-file pengumuman.txt
                     [--photo poster.jpg] [--at "besok jam 7 pagi"] [--detach]
    kimbot broadcast status ID

The operator acts with superadmin rights: any target, no second approval. Delivery is
done by the RQ workers (`kimbot run` starts one; `kimbot worker` adds more). While it
goes on, the command prints the report the admin's progress message shows, a line each
time it changes, and ends with the final one.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from redis import Redis as RawRedis
from rq import Worker

from bot.announcements import audit
from bot.announcements.report import progress_text
from bot.announcements.roles import KOMUNITAS
from bot.announcements.store import Announcement
from bot.platform.config import Config
from bot.platform.timeparse import parse_when
from bot.services import Services

CAPTION_LIMIT = 1024
PHOTO_LIMIT = 10 * 1024 * 1024
ENDED = ("done", "cancelled", "rejected")


class BroadcastError(ValueError):
    """A wrong argument; the message says which and why."""


def check_targets(config: Config, services: Services, text: str) -> list[str]:
    """Comma-separated region codes or komunitas:<slug>, each known."""
    targets = [t.strip() for t in text.split(",") if t.strip()]
    if not targets:
        raise BroadcastError("--to needs at least one region code or komunitas:<slug>")
    for target in targets:
        if target.startswith(KOMUNITAS):
            if config.komunitas_by_slug(target.removeprefix(KOMUNITAS)) is None:
                raise BroadcastError(f"--to: no komunitas {target.removeprefix(KOMUNITAS)!r}")
        elif target not in services.regions:
            raise BroadcastError(f"--to: {target!r} is not a region of {config.regions.name}")
    return [services.regions[t].code if t in services.regions else t for t in targets]


def read_text(path: str) -> str:
    """The announcement text: UTF-8, not empty."""
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise BroadcastError(f"--text-file: cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BroadcastError(f"--text-file: {path} is not UTF-8 text") from None
    if not text:
        raise BroadcastError(f"--text-file: {path} is empty")
    return text


def check_photo(path: str) -> str:
    """A readable image file of at most 10 MB (Telegram's photo limit)."""
    file = Path(path)
    if not file.is_file():
        raise BroadcastError(f"--photo: {path} is not a file")
    if file.stat().st_size > PHOTO_LIMIT:
        raise BroadcastError(f"--photo: {path} is larger than 10 MB")
    head = file.read_bytes()[:12]
    if not (head.startswith((b"\xff\xd8", b"\x89PNG")) or head[8:12] == b"WEBP"):
        raise BroadcastError(f"--photo: {path} is not a JPEG, PNG or WebP image")
    return f"path:{file.resolve()}"


def create(
    services: Services, targets: str, text_file: str, photo: str | None, at: str | None
) -> Announcement:
    """Validate everything, then record and submit the announcement."""
    config = services.config
    chosen = check_targets(config, services, targets)
    text = read_text(text_file)
    photo_ref = check_photo(photo) if photo else ""
    scheduled = None
    if at:
        scheduled = parse_when(at, time.time(), config.deployment.timezone)
        if scheduled is None or scheduled <= time.time():
            raise BroadcastError(
                f'--at: {at!r} is not a future day and time, such as "besok jam 7 pagi", '
                '"Senin 08.00", "25 Des 19.30" or "25-11-2026 07.30"'
            )
    ann = services.announcements.create(
        None,
        chosen,
        time.time(),
        text=text,
        media=photo_ref,
        scheduled_at=scheduled,
    )
    audit.created(services, ann)
    services.dispatch.submit(ann.id, ann.scheduled_at)
    return ann


def report_line(services: Services, ann: Announcement, now: float) -> str:
    """The report the admin's progress message shows (bot/announcements/report.py), on one
    line; before a worker has planned the recipients, just that it waits for one."""
    lines = progress_text(services.translator("en"), ann, now).splitlines()
    if ann.state == "queued":
        return f"{lines[0]} · waiting for a worker to start it"
    return " · ".join(lines)


def follow(services: Services, rq_redis: RawRedis, announcement_id: str) -> int:
    """Print the report each time it changes, a line each (readable in a log and in a
    narrow terminal alike), until the announcement ends; Ctrl-C detaches."""
    if Worker.count(connection=rq_redis) == 0:
        print(
            "note: no RQ worker is running (yet): delivery starts once one does "
            "(`kimbot run` starts one, `kimbot worker` adds more)",
            file=sys.stderr,
        )
    shown = ""
    try:
        while True:
            ann = services.announcements.get(announcement_id)
            if ann is None:
                print(f"announcement #{announcement_id} is gone", file=sys.stderr)
                return 1
            line = report_line(services, ann, time.time())
            if line != shown:
                print(line, flush=True)
                shown = line
            if ann.state in ENDED:
                return 0
            if ann.state == "scheduled":
                print(f"scheduled; `kimbot broadcast status {ann.id}` shows it later")
                return 0
            time.sleep(0.5)
    except KeyboardInterrupt:
        print(f"detached; delivery goes on. `kimbot broadcast status {announcement_id}`")
        return 0


def status(services: Services, announcement_id: str, limit: int = 50) -> int:
    """Print the report and the failures with their reasons."""
    ann = services.announcements.get(announcement_id)
    if ann is None:
        print(f"kimbot broadcast status: no announcement {announcement_id!r}", file=sys.stderr)
        return 2
    tr = services.translator("en")
    print(progress_text(tr, ann, time.time()))
    print("targets: " + ", ".join(services.roles.label(t) for t in ann.targets))
    failures = services.announcements.failures(ann.id, limit + 1)
    if failures:
        print("not delivered:")
        for recipient, reason in failures[:limit]:
            print(f"  {recipient}: {reason}")
        if len(failures) > limit:
            print(f"  … and more (the ledger keeps them for {30} days)")
    return 0
