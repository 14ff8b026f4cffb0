"""`kimbot regions links`: one poster link per kelurahan/desa and komunitas, on both channels."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from bot.platform.config import Config
from handlers.cli import main
from tests.support.constants import ROOT

BUSINESS = "6281100000001"


def config_with_whatsapp(config: Config, tmp_path: Path) -> Path:
    """The shipped config with a WhatsApp business number."""
    data = config.model_dump(mode="json")
    data["whatsapp"].update(
        enabled=True, phone_number_id="106540352242922", business_number=BUSINESS
    )
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_every_village_and_komunitas_gets_both_links(
    config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """43 kelurahan and every komunitas; each link carries the payload /start understands."""
    path = config_with_whatsapp(config, tmp_path)
    assert main(["regions", "links", "--bot", "@kim_cilegon_bot", "--config", str(path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    villages = [r for r in rows if r["kind"] == "kelurahan"]
    assert len(villages) == 43
    assert len([r for r in rows if r["kind"] == "komunitas"]) == len(config.komunitas)
    bagendung = next(r for r in rows if r["code"] == "36.72.02.1001")
    assert bagendung["telegram"] == "https://t.me/kim_cilegon_bot?start=kel_3672021001"
    assert bagendung["whatsapp"] == f"https://wa.me/{BUSINESS}?text=DAFTAR%20kel_3672021001"


def test_without_bot_or_number_the_columns_stay_empty_and_bad_input_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --bot and no business number: payloads only; a bad username or path: exit 2."""
    out = tmp_path / "links.csv"
    shipped = str(ROOT / "config.yaml")
    assert main(["regions", "links", "--out", str(out), "--config", shipped]) == 0
    assert "written" in capsys.readouterr().out
    first = next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert (first["telegram"], first["whatsapp"]) == ("", "")
    assert first["payload"].startswith("kel_")
    assert main(["regions", "links", "--bot", "not a bot", "--config", shipped]) == 2
    assert "not a Telegram bot username" in capsys.readouterr().err
    assert main(["regions", "links", "--out", "/nonexistent/x.csv", "--config", shipped]) == 2
    assert "cannot write" in capsys.readouterr().err
