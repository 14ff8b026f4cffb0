"""The `kimbot` command as an operator uses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.platform.config import load_config
from handlers.cli import main
from handlers.settings import Settings, SettingsError
from tests.support.constants import ROOT


def test_config_check_summarises_the_shipped_config(capsys: pytest.CaptureFixture[str]) -> None:
    """`kimbot config check` needs no token and prints regions, channels, roles, locales."""
    assert main(["config", "check", str(ROOT / "config.yaml")]) == 0
    out = capsys.readouterr().out
    assert "regions: Kota Cilegon (36.72): 8 kecamatan, 43 kelurahan, 0 desa" in out
    assert "komunitas: 4" in out
    assert "locales: id (default); enabled: id, en, su, jv" in out
    assert (
        "alerts: 0 feed(s) every 60 s; at once: Extreme, Severe; 0 village(s) with a centroid"
        in out
    )
    assert out.strip().endswith("config.yaml: OK")


def test_config_check_reports_problems_one_per_line(tmp_path: Path) -> None:
    """A broken config exits 2 with one line per problem on stderr and no traceback."""
    bad = (ROOT / "config.yaml").read_text().replace("timezone: Asia/Jakarta", "timezone: Nowhere")
    bad = bad.replace('notice_version: "2026-11-01"', "notice_version: 7")
    (tmp_path / "config.yaml").write_text(bad)
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "config", "check", str(tmp_path / "config.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "Traceback" not in result.stderr
    assert any("deployment.timezone: unknown time zone 'Nowhere'" in line for line in lines)
    assert any("privacy.notice_version" in line for line in lines)


def test_run_without_token_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kimbot run` with no token exits 2 and names the variable."""
    monkeypatch.delenv("KIMBOT_TELEGRAM_TOKEN", raising=False)
    assert main(["run", "--config", str(ROOT / "config.yaml")]) == 2
    assert "KIMBOT_TELEGRAM_TOKEN is not set" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KIMBOT_TELEGRAM_TOKEN": "nonsense"}, "does not look like a bot token"),
        ({"KIMBOT_WEBHOOK_URL": "https://x/telegram/webhook"}, "needs KIMBOT_WEBHOOK_SECRET"),
        ({"KIMBOT_WEBHOOK_SECRET": "bad secret!"}, "may hold only"),
        ({"KIMBOT_WEBHOOK_SECRET": "ok_secret"}, "needs KIMBOT_WEBHOOK_URL"),
    ],
)
def test_settings_are_checked(env: dict[str, str], message: str) -> None:
    """Malformed or missing secrets are named, and never echoed."""
    settings = Settings.from_env(env)
    check = settings.require_token if "KIMBOT_TELEGRAM_TOKEN" in env else settings.require_webhook
    with pytest.raises(SettingsError) as caught:
        check()
    assert message in str(caught.value)
    for value in env.values():
        assert value not in str(caught.value) or value.startswith("https://")


def test_secrets_never_appear_in_repr() -> None:
    """Logging the settings cannot leak a token or secret."""
    settings = Settings.from_env(
        {"KIMBOT_TELEGRAM_TOKEN": "123:abcdefghijklmnop", "KIMBOT_WEBHOOK_SECRET": "zzsecretzz"}
    )
    assert "abcdefghijklmnop" not in repr(settings)
    assert "zzsecretzz" not in repr(settings)


def test_import_majalengka_gives_its_full_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """32.10 from the bundled list: 26 kecamatan, 13 kelurahan, 330 desa; usable as config."""
    out = tmp_path / "regions" / "32.10.yaml"
    assert main(["regions", "import", "32.10", "--out", str(out)]) == 0
    assert (
        "Kabupaten Majalengka (32.10): 26 kecamatan, 13 kelurahan, 330 desa"
        in capsys.readouterr().out
    )
    config_text = (ROOT / "config.yaml").read_text()
    start, end = config_text.index("regions:\n"), config_text.index("\n# The Telegram channel")
    (tmp_path / "config.yaml").write_text(
        config_text[:start] + "regions: regions/32.10.yaml\n" + config_text[end:]
    )
    config = load_config(tmp_path / "config.yaml")
    assert config.regions.name == "Kabupaten Majalengka"
    assert sum(len(k.villages) for k in config.regions.kecamatan) == 343


def test_reimport_keeps_aliases(tmp_path: Path) -> None:
    """Aliases added by hand survive a re-import."""
    out = tmp_path / "36.72.yaml"
    assert main(["regions", "import", "36.72", "--out", str(out)]) == 0
    tree = yaml.safe_load(out.read_text())
    tree["kecamatan"][0]["villages"][0]["aliases"] = ["Cibeber Lama"]
    out.write_text(yaml.safe_dump(tree))
    assert main(["regions", "import", "36.72", "--out", str(out)]) == 0
    assert yaml.safe_load(out.read_text())["kecamatan"][0]["villages"][0]["aliases"] == [
        "Cibeber Lama"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["99.99"], "no kabupaten/kota 99.99"),
        (["32.1"], "is not a kabupaten/kota code"),
        (["36.72", "--csv", "/nonexistent.csv"], "cannot read /nonexistent.csv"),
    ],
)
def test_import_errors_are_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Unknown codes, malformed codes and unreadable files are explained."""
    assert main(["regions", "import", *args, "--out", str(tmp_path / "x.yaml")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()


def test_import_from_another_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--csv takes any kode,nama file, e.g. the national list; garbage rows are skipped."""
    csv_file = tmp_path / "mini.csv"
    csv_file.write_text(
        "kode,nama\n99.71,Kota Contoh\n99.71.01,Satu\n99.71.01.1001,Alpha\n"
        "not,a row\n\n99.71.01.2002,Beta\n"
    )
    assert (
        main(
            [
                "regions",
                "import",
                "99.71",
                "--csv",
                str(csv_file),
                "--out",
                str(tmp_path / "o.yaml"),
            ]
        )
        == 0
    )
    assert "Kota Contoh (99.71): 1 kecamatan, 1 kelurahan, 1 desa" in capsys.readouterr().out
