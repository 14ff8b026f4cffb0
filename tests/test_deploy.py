"""deploy/: the systemd units and the Compose file point at things that exist — commands
the CLI accepts, the metrics port, /healthz, the environment the code reads — and the
units pass `systemd-analyze verify`. (No Docker engine runs here: Compose is parsed.)"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.platform.config import Config
from handlers.cli import _parser
from handlers.whatsapp.settings import REQUIRED
from tests.support.constants import ROOT
from tests.support.processes import (
    Process,
    bot_env,
    free_port,
    kimbot,
    start_emulator,
    wait_http,
    write_config,
)

DEPLOY = ROOT / "deploy"
UNITS = ("kimbot.service", "kimbot-worker@.service")
METRICS_PORT = 9108


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's `[Section] Key` → every value given (keys may repeat)."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault(f"[{section}] {key}", []).append(value)
    return found


def compose() -> dict[str, Any]:
    """deploy/compose.yaml, anchors and merges resolved."""
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return data


def environment_names() -> set[str]:
    """Every environment variable the code reads for its settings and secrets."""
    source = (ROOT / "handlers" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'get\("([A-Z_]+)"\)', source)) | set(REQUIRED) | {"KIMBOT_WA_API_URL"}


def example_names() -> set[str]:
    """The variables kimbot.env.example sets or shows (commented out)."""
    text = (DEPLOY / "kimbot.env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?([A-Z][A-Z_]+)=", text, flags=re.MULTILINE))


@pytest.mark.parametrize("name", UNITS)
def test_units_run_commands_the_cli_accepts(name: str) -> None:
    """ExecStart is `kimbot run|worker …` with options the CLI parses; the env file is the
    example's install path; both find the embedded Redis in the same data dir."""
    found = unit(name)
    (exec_start,) = found["[Service] ExecStart"]
    binary, *argv = shlex.split(exec_start)
    assert binary == "/opt/kimbot/venv/bin/kimbot"
    args = _parser().parse_args(argv)
    assert args.command == ("run" if name == "kimbot.service" else "worker")
    if args.command == "run":
        assert args.metrics_port == METRICS_PORT
        assert not args.webhook
    env = dict(v.split("=", 1) for v in found["[Service] Environment"])
    assert env["KIMBOT_DATA_DIR"] == "/var/lib/kimbot/data"
    assert env["KIMBOT_CONFIG"] == "/etc/kimbot/config.yaml"
    (env_file,) = found["[Service] EnvironmentFile"]
    assert env_file in (DEPLOY / "kimbot.env.example").read_text(encoding="utf-8")
    assert found["[Service] User"] == ["kimbot"]
    assert found["[Service] NoNewPrivileges"] == ["yes"]
    assert found["[Service] ProtectSystem"] == ["strict"]


def test_the_bot_unit_stops_its_children_in_order() -> None:
    """SIGTERM goes to `kimbot run` alone (KillMode=mixed); the state dir is the data dir's."""
    found = unit("kimbot.service")
    assert found["[Service] KillMode"] == ["mixed"]
    assert found["[Service] StateDirectory"] == ["kimbot"]  # /var/lib/kimbot
    tmpdir = dict(v.split("=", 1) for v in found["[Service] Environment"])["TMPDIR"]
    assert tmpdir == "/run/" + found["[Service] RuntimeDirectory"][0]
    assert unit("kimbot-worker@.service")["[Unit] PartOf"] == ["kimbot.service"]


def test_the_environment_example_covers_every_variable_and_no_config_holds_secrets() -> None:
    """Every variable the code reads is in kimbot.env.example; none has a value there."""
    assert environment_names() <= example_names()
    text = (DEPLOY / "kimbot.env.example").read_text(encoding="utf-8")
    assert re.findall(r"^(KIMBOT_\w*(?:TOKEN|SECRET)\w*)=(.+)$", text, flags=re.MULTILINE) == []


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd's own check, with the binary and env file pointed at this checkout's."""
    kimbot = Path(sys.executable).with_name("kimbot")
    env_file = tmp_path / "kimbot.env"
    env_file.write_text("KIMBOT_TELEGRAM_TOKEN=\n", encoding="utf-8")
    checked = []
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        text = text.replace("/opt/kimbot/venv/bin/kimbot", str(kimbot))
        text = text.replace("/etc/kimbot/kimbot.env", str(env_file))
        target = tmp_path / name.replace("@.", "@1.")  # a template is verified as an instance
        target.write_text(text, encoding="utf-8")
        checked.append(str(target))
    result = subprocess.run(
        [str(SYSTEMD_ANALYZE), "verify", "--man=no", *checked],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert (result.returncode, result.stderr.strip()) == (0, "")


def test_compose_runs_redis_with_aof_the_bot_and_a_worker() -> None:
    """Three services; Redis keeps an append-only file in a volume; the bot and the worker
    run commands the CLI parses, against that Redis, with the env file and the config."""
    data = compose()
    services = data["services"]
    assert set(services) == {"redis", "bot", "worker"}
    redis_command = services["redis"]["command"]
    assert redis_command[redis_command.index("--appendonly") + 1] == "yes"
    assert services["redis"]["volumes"] == ["redis-data:/data"]
    assert "redis-data" in data["volumes"]
    for name, command in (("bot", "run"), ("worker", "worker")):
        service = services[name]
        args = _parser().parse_args(service["command"])
        assert args.command == command
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["env_file"] == "kimbot.env"
        assert (DEPLOY / "kimbot.env.example").exists()
        source, target, mode = service["volumes"][0].split(":")
        assert (DEPLOY / source).resolve() == ROOT / "config.yaml"
        assert target == service["environment"]["KIMBOT_CONFIG"]
        assert mode == "ro"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        build = service["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    bot = _parser().parse_args(services["bot"]["command"])
    assert (bot.no_worker, bot.host, bot.metrics_port) == (True, "0.0.0.0", METRICS_PORT)  # noqa: S104
    assert services["bot"]["ports"] == [
        f"127.0.0.1:{METRICS_PORT}:{METRICS_PORT}",
        "127.0.0.1:8080:8080",  # the web console, for a reverse proxy on the host
    ]


def test_the_dockerfile_copies_what_the_package_needs() -> None:
    """Every COPY source exists, and the packages pyproject.toml installs are all copied."""
    lines = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()
    copied = {part for line in lines if line.startswith("COPY ") for part in line.split()[1:-1]}
    assert all((ROOT / path).exists() for path in copied)
    assert {"bot", "broadcasts", "handlers", "emulator", "locales", "pyproject.toml"} <= copied
    (entry,) = [line for line in lines if line.startswith("ENTRYPOINT")]
    assert entry == 'ENTRYPOINT ["kimbot"]'


def test_the_compose_healthcheck_passes_against_the_real_bot(
    tmp_path: Path, redis_url: str, config: Config
) -> None:
    """The bot service's healthcheck command, run as written (its port swapped for a free
    one), succeeds against `kimbot run` with the service's own options."""
    service = compose()["services"]["bot"]
    test = service["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert f"http://127.0.0.1:{METRICS_PORT}/healthz" in test[3]
    port = free_port()
    emulator, api = start_emulator(tmp_path)
    bot = None
    try:
        argv = [a.replace(str(METRICS_PORT), str(port)) for a in service["command"]]
        argv[argv.index("0.0.0.0")] = "127.0.0.1"  # noqa: S104 (tests listen on loopback)
        config_path = write_config(config, tmp_path / "config.yaml")
        bot = start_kimbot(tmp_path, api, config_path, redis_url, argv)
        wait_http(f"http://127.0.0.1:{port}/healthz", server=bot)
        check = [sys.executable, "-c", test[3].replace(str(METRICS_PORT), str(port))]
        assert subprocess.run(check, check=False, timeout=30).returncode == 0
    finally:
        if bot is not None:
            bot.stop()
        emulator.stop()


def start_kimbot(tmp: Path, api: str, config: Path, redis_url: str, argv: list[str]) -> Process:
    """`kimbot <argv>` against the emulator and the test Redis, as the service runs it."""
    env = bot_env(tmp, api, redis_url) | {"KIMBOT_CONFIG": str(config)}
    return kimbot(argv, env, tmp / "bot.log")
