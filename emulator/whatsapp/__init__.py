"""A WhatsApp Cloud API (Graph API) stand-in served by the emulator next to the Bot API.

The bot sends through `/graph/v<version>/<phone number id>/...` exactly as to
graph.facebook.com and receives signed webhooks (messages and statuses) at its
`/whatsapp/webhook`; tests and the web page act as WhatsApp users under `/sim/wa`.
Enable it with `Emulator(whatsapp=WhatsAppConfig(...))` or the `--wa-*` flags.
"""

from .client import WaSimClient
from .config import Template, WhatsAppConfig, WhatsAppRules, parse_template_spec
from .errors import GraphError
from .side import WhatsAppSide
from .webhooks import sign

__all__ = [
    "GraphError",
    "Template",
    "WaSimClient",
    "WhatsAppConfig",
    "WhatsAppRules",
    "WhatsAppSide",
    "parse_template_spec",
    "sign",
]
