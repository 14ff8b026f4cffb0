"""The web server's access log names the path, never the query string (it can hold secrets)."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from handlers.runner import PathOnlyAccessLogger


def test_access_log_line_has_the_path_and_no_query(caplog: pytest.LogCaptureFixture) -> None:
    """Meta's verification GET carries the verify token in the query: it never reaches logs."""
    logger = logging.getLogger("kimbot.test.access")
    request = make_mocked_request(
        "GET", "/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=SECRET-123"
    )
    with caplog.at_level(logging.INFO, logger=logger.name):
        PathOnlyAccessLogger(logger, "").log(request, web.Response(text="ok"), 0.0042)
    line = caplog.records[-1].getMessage()
    assert '"GET /whatsapp/webhook" 200' in line
    assert "SECRET" not in line
    assert "verify_token" not in line
