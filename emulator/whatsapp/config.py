"""Settings of the WhatsApp Cloud API stand-in: the business number, secrets, rules, templates.

`WhatsAppConfig` is given to `Emulator(whatsapp=...)` (or built from the `--wa-*` command
line flags). The secrets are test secrets, but they are still kept out of `repr`. The
mutable part (webhook URL, limits, status webhooks) can be changed at run time through
`PUT /sim/wa/config`; `WhatsAppRules` holds that part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

DEFAULT_PHONE_NUMBER_ID = "106540352242922"
DEFAULT_DISPLAY_NUMBER = "15550783881"
DEFAULT_WABA_ID = "102290129340398"
# Test secrets of a local stand-in, documented in docs/emulator.md; not real credentials.
DEFAULT_ACCESS_TOKEN = "EAAG-kim-emulator-token"  # noqa: S105
DEFAULT_APP_SECRET = "kim-emulator-app-secret"  # noqa: S105
STATUS_STAGES = ("sent", "delivered", "read")
StatusOrder = Literal["ordered", "shuffled"]
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")


@dataclass(frozen=True)
class Template:
    """An approved message template: name, language code and number of body parameters.

    `text` is the body with `{{1}}`, `{{2}}`… placeholders, used only to show the template
    in the user API and the web page; without it the parameters are shown as they are.
    """

    name: str
    language: str
    body_params: int = 0
    text: str | None = None

    def __post_init__(self) -> None:
        if not TEMPLATE_NAME.match(self.name):
            raise ValueError(f"template name {self.name!r} must be lowercase letters, digits, _")
        if not LANGUAGE.match(self.language):
            raise ValueError(f"template language {self.language!r} must look like id or en_US")
        if self.body_params < 0:
            raise ValueError("a template cannot have a negative number of parameters")

    @property
    def key(self) -> tuple[str, str]:
        """(name, language): what identifies an approved template."""
        return self.name, self.language

    def render(self, params: list[str]) -> str:
        """The body as the person sees it."""
        if self.text is None:
            shown = " · ".join(params)
            return f"[{self.name}] {shown}".rstrip()
        text = self.text
        for number, value in enumerate(params, start=1):
            text = text.replace("{{" + str(number) + "}}", value)
        return text

    def to_json(self) -> dict[str, Any]:
        """The template as JSON for the control API."""
        return {
            "name": self.name,
            "language": self.language,
            "body_params": self.body_params,
            "text": self.text,
        }


TemplateSpec = Template | tuple[str, str] | tuple[str, str, int] | str


def parse_template_spec(spec: TemplateSpec) -> Template:
    """A Template from a Template, `(name, language[, body_params])` or `NAME:LANG[:PARAMS]`."""
    if isinstance(spec, Template):
        return spec
    if isinstance(spec, tuple):
        if len(spec) == 2:
            return Template(spec[0], spec[1])
        return Template(spec[0], spec[1], int(spec[2]))
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"template {spec!r} is not NAME:LANG or NAME:LANG:PARAMS")
    if len(parts) == 3 and not parts[2].isdigit():
        raise ValueError(f"template {spec!r}: PARAMS must be a number")
    return Template(parts[0], parts[1], int(parts[2]) if len(parts) == 3 else 0)


@dataclass(frozen=True)
class WhatsAppRules:
    """What can change at run time: where webhooks go, limits, and how statuses arrive.

    - `throughput_per_second`: messages per second the number may send (Meta's default 80;
      more → error 130429);
    - `pair_limit` / `pair_window`: more than `pair_limit` messages to one person within
      `pair_window` seconds → error 131056;
    - `window_hours`: the customer-service window opened by a person's last message;
    - `status_stages`: the statuses posted after an accepted message, `status_order`
      `ordered` or `shuffled` (random order per message, `shuffle_seed` for repeatable
      runs), `status_delay` seconds between two of them;
    - `bsuid_recipients`: whether `recipient` (a business-scoped id) may address a message;
      False answers 131062 as for numbers without the feature;
    - `failures_as_statuses`: report 131047 and 131026 as Meta mostly does in production,
      as an accepted message followed by a `failed` status, instead of an error answer.
    """

    webhook_url: str | None = None
    throughput_per_second: float = 80.0
    pair_limit: int = 45
    pair_window: float = 60.0
    window_hours: float = 24.0
    status_stages: tuple[str, ...] = STATUS_STAGES
    status_order: StatusOrder = "ordered"
    shuffle_seed: int | None = None
    status_delay: float = 0.05
    bsuid_recipients: bool = True
    failures_as_statuses: bool = False
    webhook_retries: int = 3
    webhook_backoff: float = 0.2

    def __post_init__(self) -> None:
        if self.webhook_url is not None and not self.webhook_url.startswith(
            ("http://", "https://")
        ):
            raise ValueError("webhook_url must start with http:// or https://")
        if self.throughput_per_second <= 0 or self.pair_limit < 1 or self.pair_window <= 0:
            raise ValueError("throughput_per_second, pair_limit and pair_window must be > 0")
        if self.window_hours <= 0:
            raise ValueError("window_hours must be > 0")
        unknown = [s for s in self.status_stages if s not in STATUS_STAGES]
        if unknown:
            raise ValueError(f"status_stages may hold only {', '.join(STATUS_STAGES)}")
        if self.status_order not in ("ordered", "shuffled"):
            raise ValueError("status_order must be ordered or shuffled")
        if self.status_delay < 0 or self.webhook_retries < 0 or self.webhook_backoff < 0:
            raise ValueError("status_delay, webhook_retries and webhook_backoff must be >= 0")

    def to_json(self) -> dict[str, Any]:
        """The rules as JSON."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["status_stages"] = list(self.status_stages)
        return out

    def updated(self, data: Mapping[str, Any]) -> WhatsAppRules:
        """A copy with the JSON keys in `data` changed (unknown keys are an error)."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                raise ValueError(f"unknown setting {key!r}")
            changes[key] = _coerce(key, value)
        return replace(self, **changes)


def _coerce(key: str, value: Any) -> Any:
    """A JSON value converted to the type of the rule `key`."""
    if key in ("webhook_url",):
        return None if value in (None, "") else str(value)
    if key in ("throughput_per_second", "pair_window", "window_hours", "status_delay"):
        return _number(key, value, float)
    if key in ("webhook_backoff",):
        return _number(key, value, float)
    if key in ("pair_limit", "webhook_retries"):
        return _number(key, value, int)
    if key == "shuffle_seed":
        return None if value is None else _number(key, value, int)
    if key in ("bsuid_recipients", "failures_as_statuses"):
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
        return value
    if key == "status_stages":
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise ValueError("status_stages must be a list of status names")
        return tuple(value)
    return str(value)


def _number(key: str, value: Any, kind: type[int] | type[float]) -> Any:
    """`value` as an int or float, or a ValueError naming `key`."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{key} must be a number")
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{key} must be a number") from None


@dataclass(frozen=True)
class WhatsAppConfig:
    """The business phone number the stand-in serves and its starting rules.

    `access_token` is what the bot must send as `Authorization: Bearer …`; `app_secret`
    signs every webhook (`X-Hub-Signature-256`). `templates` are the approved templates,
    as `Template`s, `(name, language, body_params)` tuples or `NAME:LANG[:PARAMS]` text.
    Every other keyword becomes a field of `rules` (see WhatsAppRules).
    """

    phone_number_id: str = DEFAULT_PHONE_NUMBER_ID
    access_token: str = field(default=DEFAULT_ACCESS_TOKEN, repr=False)
    app_secret: str = field(default=DEFAULT_APP_SECRET, repr=False)
    display_phone_number: str = DEFAULT_DISPLAY_NUMBER
    business_name: str = "KIM Bot"
    waba_id: str = DEFAULT_WABA_ID
    templates: tuple[Template, ...] = ()
    rules: WhatsAppRules = field(default_factory=WhatsAppRules)

    def __init__(
        self,
        *,
        phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
        access_token: str = DEFAULT_ACCESS_TOKEN,
        app_secret: str = DEFAULT_APP_SECRET,
        display_phone_number: str = DEFAULT_DISPLAY_NUMBER,
        business_name: str = "KIM Bot",
        waba_id: str = DEFAULT_WABA_ID,
        templates: Iterable[TemplateSpec] = (),
        rules: WhatsAppRules | None = None,
        **rule_fields: Any,
    ) -> None:
        if not phone_number_id.isdigit():
            raise ValueError("phone_number_id must be digits")
        if not access_token or any(c.isspace() for c in access_token):
            raise ValueError("access_token must be non-empty without spaces")
        if not app_secret:
            raise ValueError("app_secret must not be empty")
        base = rules or WhatsAppRules()
        object.__setattr__(self, "phone_number_id", phone_number_id)
        object.__setattr__(self, "access_token", access_token)
        object.__setattr__(self, "app_secret", app_secret)
        object.__setattr__(self, "display_phone_number", display_phone_number)
        object.__setattr__(self, "business_name", business_name)
        object.__setattr__(self, "waba_id", waba_id)
        object.__setattr__(
            self, "templates", tuple(parse_template_spec(spec) for spec in templates)
        )
        object.__setattr__(self, "rules", replace(base, **rule_fields))
