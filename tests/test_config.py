"""config.yaml: the shipped deployment loads, and every mistake is named with its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.platform.config import ConfigError, load_config
from tests.support.constants import ROOT

SHIPPED = (ROOT / "config.yaml").read_text(encoding="utf-8")


def problems_of(tmp_path: Path, text: str) -> list[str]:
    """Write `text` as a config file and return the problems loading it reports."""
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return list(caught.value.problems)


def test_shipped_config_is_kota_cilegon() -> None:
    """The shipped config is a real Cilegon deployment: 8 kecamatan, 43 kelurahan."""
    config = load_config(ROOT / "config.yaml")
    assert config.regions.code == "36.72"
    assert len(config.regions.kecamatan) == 8
    assert sum(len(k.villages) for k in config.regions.kecamatan) == 43
    assert config.deployment.timezone == "Asia/Jakarta"
    assert config.locales.default == "id"
    assert {k.slug for k in config.komunitas} >= {"sepeda-onthel"}


def test_unknown_key_is_named_with_its_line(tmp_path: Path) -> None:
    """A misspelt key is reported with its dotted path and line number."""
    text = SHIPPED.replace("  timezone: Asia/Jakarta", "  timezone: Asia/Jakarta\n  tiemzone: x")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("  tiemzone: x"))
    assert (
        problems[0] == f"{tmp_path / 'config.yaml'}:{line}: deployment.tiemzone: "
        "unknown key (check the spelling)"
    )


def test_every_problem_gets_its_own_line(tmp_path: Path) -> None:
    """Several mistakes are all reported, one line each, never a traceback."""
    text = (
        SHIPPED.replace('code: "36.72.01.1001"', 'code: "36.72.01.9001"')
        .replace("timezone: Asia/Jakarta", "timezone: Mars/Olympus")
        .replace('notice_version: "2026-11-01"', 'notice_version: ""')
    )
    problems = problems_of(tmp_path, text)
    joined = "\n".join(problems)
    assert len(problems) == 3, joined
    assert "deployment.timezone: unknown time zone 'Mars/Olympus'" in joined
    assert (
        "regions.kecamatan[0].villages[0].code: '36.72.01.9001' is not a desa/kelurahan code"
        in joined
    )
    assert "privacy.notice_version:" in joined
    assert all(p.startswith(str(tmp_path)) for p in problems)


def test_cross_section_mistakes(tmp_path: Path) -> None:
    """Codes outside their parent, unknown channel regions, bad role scopes and addresses."""
    text = SHIPPED.replace('code: "36.72.02.1001"', 'code: "36.72.05.1009"')
    text = text.replace("channels: {}", 'channels:\n  "36.72.99.1001": {chat_id: -100123}')
    text = text.replace(
        "  admins: []",
        "  admins:\n"
        '    - {id: "tg:12", name: A, scope: ["36.72.77"]}\n'
        '    - {id: "telegram:5", name: B, scope: ["komunitas:nope"]}',
    )
    joined = "\n".join(problems_of(tmp_path, text))
    assert "36.72.05.1009 is not inside 36.72.02" in joined
    assert "channels.36.72.99.1001: no such region" in joined
    assert "roles.admins[0].scope: '36.72.77' is neither a region" in joined
    assert "roles.admins[1].scope: 'komunitas:nope'" in joined
    assert "roles.admins[1].id: 'telegram:5' is not an address" in joined


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    """Broken YAML is one line with the place, not a traceback."""
    problems = problems_of(tmp_path, "deployment:\n  name: [unclosed\nprivacy: {}\n")
    assert len(problems) == 1
    assert "not valid YAML" in problems[0]
    assert ":3" in problems[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the top level must be a mapping"),
        ("- a\n- b\n", "the top level must be a mapping"),
        ("deployment: {name: X, operator: Y, contact: Z}\n", "privacy: required key is missing"),
    ],
)
def test_empty_or_wrong_shape(tmp_path: Path, text: str, expected: str) -> None:
    """An empty file, a list, or missing sections are named."""
    assert any(expected in p for p in problems_of(tmp_path, text))


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    """A missing file is reported, not raised as FileNotFoundError."""
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert caught.value.problems == (f"{tmp_path / 'nope.yaml'}: file not found",)


def test_regions_may_live_in_their_own_file(tmp_path: Path) -> None:
    """`regions: FILE` loads the tree from a file beside config.yaml; its errors name it."""
    start = SHIPPED.index("regions:\n")
    end = SHIPPED.index("\n# The Telegram channel")
    (tmp_path / "regions").mkdir()
    (tmp_path / "regions" / "36.72.yaml").write_text(
        SHIPPED[start:end].replace("regions:\n", "", 1).replace("\n  ", "\n")[2:], encoding="utf-8"
    )
    (tmp_path / "config.yaml").write_text(
        SHIPPED[:start] + "regions: regions/36.72.yaml\n" + SHIPPED[end:]
    )
    assert len(load_config(tmp_path / "config.yaml").regions.kecamatan) == 8
    (tmp_path / "config.yaml").write_text(
        SHIPPED[:start] + "regions: regions/none.yaml\n" + SHIPPED[end:]
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "config.yaml")
    assert "regions: cannot read regions/none.yaml" in caught.value.problems[0]


def test_hoax_match_thresholds_must_be_ordered(tmp_path: Path) -> None:
    """A suggestion threshold above the answer threshold is named as a mistake."""
    text = SHIPPED.replace("    suggest: 0.3 ", "    suggest: 0.9 ")
    assert "suggest: 0.9" in text
    problems = problems_of(tmp_path, text)
    assert any("desk.hoax_match" in p and "suggest must not be above answer" in p for p in problems)
