"""How the operator's commands find the running bot: its config (recorded in the data dir
by `kimbot run`) and its Redis (or the data dir's embedded one, opened by the command
itself, one server per data dir); and `--config` in every command's help."""

from __future__ import annotations

import json
import os
from contextlib import ExitStack
from pathlib import Path

import pytest

from bot.platform.store import EmbeddedRedis, EmbeddedRedisBusy, connect
from handlers import cli, running
from handlers.settings import Settings
from tests.support.constants import ROOT


def test_one_embedded_server_per_data_dir(tmp_path: Path) -> None:
    """While a server runs (or starts) on a data dir, another is refused at once with
    wait=0; once the first has stopped, the next starts on the same data."""
    with EmbeddedRedis(tmp_path) as first:
        connect(first.url).set("kim:probe", "1")
        with pytest.raises(EmbeddedRedisBusy, match="another embedded Redis"):
            EmbeddedRedis(tmp_path, wait=0)
    with EmbeddedRedis(tmp_path, wait=0) as second:
        assert connect(second.url).get("kim:probe") == "1"


def test_a_command_uses_the_running_server_or_opens_its_own(tmp_path: Path) -> None:
    """With a server on the data dir the command uses it and starts none; with none, it
    opens one on that data dir for as long as the command runs, then saves and stops it."""
    settings = Settings(data_dir=str(tmp_path))
    with EmbeddedRedis(tmp_path) as server, ExitStack() as stack:
        assert running.command_redis(settings, stack) == (server.url, False)
    with ExitStack() as stack:
        url, own = running.command_redis(settings, stack)
        assert own
        connect(url).set("kim:left", "by a command")
        assert EmbeddedRedis.running_url(tmp_path) == url
    assert EmbeddedRedis.running_url(tmp_path) is None
    with EmbeddedRedis(tmp_path) as server:  # what `kimbot run` finds afterwards
        assert connect(server.url).get("kim:left") == "by a command"
    external = Settings(data_dir=str(tmp_path), redis_url="redis://127.0.0.1:1/0")
    with ExitStack() as stack:
        assert running.command_redis(external, stack) == ("redis://127.0.0.1:1/0", False)


def test_commands_read_the_running_bots_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """While a bot has announced itself on the data dir, a command with no config named
    takes the bot's and says so; a named one is kept, with a warning when it differs;
    after the bot stops (or if the record names a dead process) nothing is changed."""
    demo_config = tmp_path / "demo-config.yaml"
    settings = Settings(data_dir=str(tmp_path / "data"))
    with running.announced(tmp_path / "data", demo_config):
        chosen = running.command_config(settings, named=False)
        assert chosen.config_path == str(demo_config)
        assert f"using the running bot's config (pid {os.getpid()}): {demo_config}" in (
            capsys.readouterr().err
        )
        named = Settings(data_dir=str(tmp_path / "data"), config_path="other.yaml")
        assert running.command_config(named, named=True) is named
        assert "warning: the running bot" in capsys.readouterr().err
        same = Settings(data_dir=str(tmp_path / "data"), config_path=str(demo_config))
        assert running.command_config(same, named=True) is same
        assert capsys.readouterr().err == ""
    assert running.running_bot(tmp_path / "data") is None
    assert running.command_config(settings, named=False) is settings
    dead = {"pid": 2**22 + 1, "started": "1", "config": str(demo_config)}  # above pid_max
    (tmp_path / "data" / running.RUN_FILE).write_text(json.dumps(dead))
    assert running.running_bot(tmp_path / "data") is None
    (tmp_path / "data" / running.RUN_FILE).write_text("{half a recor")
    assert running.running_bot(tmp_path / "data") is None


@pytest.mark.parametrize(
    "command",
    [
        ["run"],
        ["demo"],
        ["worker"],
        ["broadcast"],
        ["tickets", "list"],
        ["tickets", "export"],
        ["tickets", "claim"],
        ["regions", "links"],
    ],
)
def test_every_command_documents_config(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`--config` and its default are in each command's help, and in `kimbot --help`."""
    with pytest.raises(SystemExit):
        cli.main([*command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--config CONFIG" in shown
    assert "$KIMBOT_CONFIG" in shown
    if command[0] in ("broadcast", "tickets"):
        assert "the bot running on the data dir" in shown
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "--config FILE" in capsys.readouterr().out


def test_the_packaged_example_is_the_shipped_config() -> None:
    """`kimbot demo` outside a checkout runs the packaged example: the same file as the
    repository's config.yaml, inside the package, listed as package data."""
    from handlers.demo import packaged_example

    example = packaged_example()
    assert example.is_relative_to(ROOT / "handlers")
    assert example.read_bytes() == (ROOT / "config.yaml").read_bytes()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"examples/*.yaml"' in pyproject.split("[tool.setuptools.package-data]")[1]
