"""The package's metadata as installers read it."""

from __future__ import annotations

import tomllib

from tests.support.constants import ROOT


def test_the_license_is_an_spdx_expression() -> None:
    """PEP 639: `license = "MIT"` (the table form is deprecated and warns on every install),
    built by a setuptools that understands it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    (setuptools,) = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    assert setuptools.replace(" ", "") == "setuptools>=77"
