"""WhatsApp settings from the environment: required secrets, checked URL, hidden repr."""

from __future__ import annotations

import pytest

from handlers.settings import SettingsError
from handlers.whatsapp.settings import WhatsAppSettings
from tests.support.constants import WA_APP_SECRET, WA_TOKEN, WA_VERIFY_TOKEN

ENV = {
    "KIMBOT_WA_TOKEN": WA_TOKEN,
    "KIMBOT_WA_APP_SECRET": WA_APP_SECRET,
    "KIMBOT_WA_VERIFY_TOKEN": WA_VERIFY_TOKEN,
}


def test_reads_the_environment() -> None:
    """Secrets and the optional stand-in URL (trailing slash dropped)."""
    settings = WhatsAppSettings.from_env(ENV | {"KIMBOT_WA_API_URL": "http://127.0.0.1:8090/"})
    assert (settings.token, settings.app_secret, settings.verify_token) == (
        WA_TOKEN,
        WA_APP_SECRET,
        WA_VERIFY_TOKEN,
    )
    assert settings.api_url == "http://127.0.0.1:8090"
    assert WhatsAppSettings.from_env(ENV).api_url is None
    for secret in ENV.values():
        assert secret not in repr(settings)


def test_names_every_missing_or_bad_variable_and_no_value() -> None:
    """One error listing each problem, never echoing a secret."""
    with pytest.raises(SettingsError) as caught:
        WhatsAppSettings.from_env(
            {"KIMBOT_WA_TOKEN": "two words", "KIMBOT_WA_API_URL": "graph.test"}
        )
    message = str(caught.value)
    for name in ("KIMBOT_WA_APP_SECRET", "KIMBOT_WA_VERIFY_TOKEN", "KIMBOT_WA_API_URL"):
        assert name in message
    assert "KIMBOT_WA_TOKEN must not contain spaces" in message
    assert "two words" not in message
