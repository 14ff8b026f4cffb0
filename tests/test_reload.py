"""Issue 14, item 5: config.yaml reloaded at run time: roles at once, restart-only sections
kept (and named), a broken file changes nothing; and SIGHUP to a running `kimbot run`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.dialogs import build_conversations
from bot.people.reload import reload_config
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config, ConfigError
from bot.platform.store import Redis
from bot.services import Services
from handlers.wiring import build_services
from tests.support.constants import ROOT
from tests.support.dialog import Resident

NEW_ADMIN = 8301


@pytest.fixture
def svc(config: Config, redis: Redis, clock: FixedClock) -> Services:
    """The shipped config, running."""
    return build_services(config, redis, clock)


def write(path: Path, change: dict[str, object]) -> Path:
    """config.yaml as shipped, with top-level sections replaced."""
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    data.update(change)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_new_admin_works_at_their_next_message(svc: Services, tmp_path: Path) -> None:
    """Roles take effect at once: the same engine lets the new admin broadcast."""
    conv = build_conversations(svc)
    me = Resident(conv, chat_id=NEW_ADMIN, language_code="en")
    me.send("/broadcast")
    assert "This command is for KIM admins" in me.said()
    roles = {
        "superadmins": [],
        "admins": [{"id": f"tg:{NEW_ADMIN}", "name": "Bu Lurah", "scope": ["36.72.02.1001"]}],
    }
    done = reload_config(svc, write(tmp_path / "config.yaml", {"roles": roles}))
    assert done.applied == ("roles",)
    assert done.waiting == ()
    me.send("/broadcast")
    assert "This command is for KIM admins" not in me.said()
    assert svc.roles.admin_name(Address.telegram(NEW_ADMIN)) == "Bu Lurah"


def test_sections_processes_start_with_wait_for_a_restart(svc: Services, tmp_path: Path) -> None:
    """A changed limit or deployment name is named and not applied; the rest is."""
    before = svc.config
    limits = before.limits.model_dump()
    limits["flood_messages_per_minute"] = 7
    desk = before.desk.model_dump(mode="json")
    desk["hoax_match"] = {"answer": 0.7, "suggest": 0.4}
    done = reload_config(svc, write(tmp_path / "config.yaml", {"limits": limits, "desk": desk}))
    assert done.waiting == ("limits",)
    assert done.applied == ("desk",)
    assert svc.config.limits == before.limits
    assert svc.config.desk.hoax_match.answer == 0.7


def test_a_broken_file_changes_nothing(svc: Services, tmp_path: Path) -> None:
    """Problems are reported; the running config stays exactly as it was."""
    before = svc.config
    bad = tmp_path / "config.yaml"
    bad.write_text("roles: [this is not a mapping\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        reload_config(svc, bad)
    write(bad, {"roles": {"admins": [{"id": "tg:1", "name": "X", "scope": ["99.99"]}]}})
    with pytest.raises(ConfigError):
        reload_config(svc, bad)
    assert svc.config is before
    assert svc.roles.config is before
