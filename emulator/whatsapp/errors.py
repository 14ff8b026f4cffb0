"""Graph API errors, shaped like Meta's: `{"error": {"message", "type", "code", ...}}`.

Meta answers `{"error": {"message": "(#131047) Re-engagement message", "type":
"OAuthException", "code": 131047, "error_data": {"messaging_product": "whatsapp",
"details": "..."}, "error_subcode": 2494010, "fbtrace_id": "..."}}`; the HTTP status is
400 for message errors and 401 for a bad token. `WEBHOOK_TITLES` gives the title of each
code as the `errors[]` of a failed status carry it.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

FBTRACE_ALPHABET = string.ascii_letters + string.digits + "_-"

# code: (title, details, error_subcode)
KNOWN: dict[int, tuple[str, str, int | None]] = {
    0: ("AuthException", "We were unable to authenticate the app user.", None),
    1: ("An unknown error occurred", "Invalid request or possible server error.", None),
    2: (
        "Service temporarily unavailable",
        "Temporary due to downtime or due to being overloaded.",
        None,
    ),
    4: ("Application request limit reached", "The app has reached its API call rate limit.", None),
    100: ("Invalid parameter", "Invalid parameter", None),
    190: ("Invalid OAuth access token - Cannot parse access token", "", None),
    130429: (
        "Rate limit hit",
        "Message failed to send because there were too many messages sent from this phone "
        "number in a short period of time",
        2494055,
    ),
    131008: ("Required parameter is missing", "A required parameter is missing.", None),
    131009: ("Parameter value is not valid", "A parameter value is not valid.", None),
    131026: (
        "Message undeliverable",
        "Message Undeliverable.",
        None,
    ),
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
        2494010,
    ),
    131053: ("Media upload error", "Unable to retrieve or use the media.", None),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone "
        "number to the same phone number in a short period of time.",
        None,
    ),
    131062: (
        "Business-scoped user ID recipients not supported",
        "This phone number cannot send messages to business-scoped user IDs yet; send to the "
        "phone number instead.",
        None,
    ),
    132000: (
        "Number of parameters does not match the expected number of params",
        "The number of parameters does not match the template.",
        None,
    ),
    132005: (
        "Translated text too long",
        "The template's body is too long once its parameters are filled in.",
        None,
    ),
    132018: (
        "There's an issue with the parameters in your template",
        "A template parameter is not valid.",
        None,
    ),
    132001: (
        "Template name does not exist in the translation",
        "The template does not exist in this language or is not approved.",
        None,
    ),
}
HTTP_STATUS = {0: 401, 190: 401, 1: 500, 2: 503, 4: 400}


def fbtrace_id() -> str:
    """A random trace id like Meta's (`Az8or2yhqkZfEZ-_4Qn_Bam`)."""
    return "A" + "".join(secrets.choice(FBTRACE_ALPHABET) for _ in range(22))


class GraphError(Exception):
    """One Graph API error answer: HTTP status, code, message and details."""

    def __init__(
        self,
        code: int,
        details: str | None = None,
        *,
        status: int | None = None,
        title: str | None = None,
        error_type: str = "OAuthException",
        subcode: int | None = None,
    ) -> None:
        known = KNOWN.get(code)
        self.code = code
        self.title = title or (known[0] if known else "Unknown error")
        self.details = details if details is not None else (known[1] if known else "")
        self.status = status or HTTP_STATUS.get(code, 400)
        self.error_type = error_type
        self.subcode = subcode if subcode is not None else (known[2] if known else None)
        super().__init__(f"({code}) {self.title}")

    @property
    def message(self) -> str:
        """The `message` Meta sends: `(#code) title`."""
        if self.code in (190, 0):
            return self.title
        return f"(#{self.code}) {self.title}"

    def payload(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.error_type,
            "code": self.code,
        }
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}

    def webhook_error(self) -> dict[str, Any]:
        """The `errors[]` item of a failed status for this error."""
        return {
            "code": self.code,
            "title": self.title,
            "message": self.title,
            "error_data": {"details": self.details},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }


def invalid(details: str, code: int = 100) -> GraphError:
    """`(#100) Invalid parameter` (or 131009 / 131008) with the details given."""
    return GraphError(code, details)


def missing(name: str) -> GraphError:
    """`(#131008) Required parameter is missing` for parameter `name`."""
    return GraphError(131008, f"The parameter {name} is required.")


def bad_token() -> GraphError:
    """401: the access token is missing or not the configured one."""
    return GraphError(190, "", status=401)


def unknown_object(object_id: str) -> GraphError:
    """400: a phone number id or media id that does not exist."""
    return GraphError(
        100,
        "",
        title=(
            f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot "
            "be loaded due to missing permissions, or does not support this operation"
        ),
        error_type="GraphMethodException",
        subcode=33,
    )


def unknown_path(path: str) -> GraphError:
    """400: a Graph API path the stand-in does not serve."""
    return GraphError(2500, "", title=f"Unknown path components: {path}")
