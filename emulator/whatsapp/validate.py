"""Checking an outgoing message body the way the Cloud API checks it.

`check_message(body, templates, media)` returns `(type, content)` for a valid message or
raises `GraphError` with Meta's code and a `details` text naming the parameter:

| rule | code |
| --- | --- |
| `messaging_product` must be `whatsapp`; a known `type`; the type's object present | 100 / 131008 |
| text body 1-4096 characters | 100 |
| interactive body 1-1024, header and footer at most 60 | 100 |
| reply buttons: 1-3, title 1-20, id 1-256, ids and titles unique | 131009 |
| list: button 1-20, 1-10 sections, 1-10 rows in all, row title 1-24, row | 131009 |
| description ≤ 72, row id ≤ 200 and unique, section titles (≤ 24) with several sections | |
| button and row ids without leading or trailing spaces | 131009 |
| cta_url: display_text 1-20, an http(s) url | 131009 |
| media: exactly one of an uploaded `id` or an http(s) `link`; caption ≤ 1024 | 100 |
| template: an approved name in that language, body parameters as registered | 132001 / 132000 |
| template text parameters: no newline or tab, at most 4 consecutive spaces | 132018 |
| template text parameters at most 1024 characters, the filled-in body too | 132005 |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .config import Template
from .errors import GraphError, invalid, missing
from .model import WaMedia

TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
BUTTON_TITLE_MAX = 20
BUTTONS_MAX = 3
BUTTON_ID_MAX = 256
LIST_BUTTON_MAX = 20
SECTIONS_MAX = 10
ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
SECTION_TITLE_MAX = 24
CAPTION_MAX = 1024
TEMPLATE_BODY_MAX = 1024
FLAT_PARAM = re.compile(r"[\n\r\t]| {5,}")
PARAM_FLAT_DETAILS = (
    "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
)
MEDIA_TYPES = ("image", "document", "video", "audio", "sticker")
CAPTIONED = ("image", "document", "video")
MESSAGE_TYPES = (
    "text",
    "interactive",
    "template",
    "location",
    "reaction",
    *MEDIA_TYPES,
)
MEDIA_MIME = {
    "image": ("image/jpeg", "image/png"),
    "video": ("video/mp4", "video/3gpp"),
    "audio": ("audio/",),
    "sticker": ("image/webp",),
}


def _obj(value: Any, name: str) -> dict[str, Any]:
    """`value` if it is a JSON object, else error 100 naming it."""
    if value is None:
        raise missing(name)
    if not isinstance(value, dict):
        raise invalid(f"Param {name} must be a JSON object.")
    return value


def _text(value: Any, name: str, maximum: int, code: int = 100, minimum: int = 1) -> str:
    """A string of `minimum`-`maximum` characters, else the error Meta gives."""
    if value is None and minimum > 0:
        raise missing(name)
    if not isinstance(value, str):
        raise invalid(f"Param {name} must be a string.", code)
    if len(value) < minimum:
        raise invalid(f"Param {name} is required and must not be empty.", code)
    if len(value) > maximum:
        raise invalid(f"Param {name} must be at most {maximum} characters long.", code)
    return value


def _id(value: Any, name: str, maximum: int, what: str) -> str:
    """A button or row id: 1-`maximum` characters, no leading or trailing whitespace."""
    text = _text(value, name, maximum, 131009)
    if text != text.strip():
        raise invalid(f"{what} id cannot have leading or trailing spaces", 131009)
    return text


def _http_url(value: Any, name: str, code: int = 100) -> str:
    """An http(s) URL."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise invalid(f"Param {name} must be a valid URL starting with http:// or https://", code)
    return value


def check_message(
    body: Mapping[str, Any],
    templates: Mapping[tuple[str, str], Template],
    media: Mapping[str, WaMedia],
) -> tuple[str, dict[str, Any]]:
    """The message type and its content object, or GraphError."""
    if body.get("messaging_product") != "whatsapp":
        if "messaging_product" not in body:
            raise missing("messaging_product")
        raise invalid("Param messaging_product must be whatsapp.")
    recipient_type = body.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise invalid("Param recipient_type must be individual (groups are not emulated).")
    kind = body.get("type", "text")
    if kind not in MESSAGE_TYPES:
        names = ", ".join(t.upper() for t in MESSAGE_TYPES)
        raise invalid(f"Param type must be one of {{{names}}}")
    content = _obj(body.get(kind), kind)
    if kind == "text":
        _text(content.get("body"), "text['body']", TEXT_MAX)
    elif kind == "interactive":
        check_interactive(content)
    elif kind == "template":
        check_template(content, templates)
    elif kind in MEDIA_TYPES:
        check_media(kind, content, media)
    elif kind == "location":
        for part in ("latitude", "longitude"):
            value = content.get(part)
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise missing(f"location['{part}']")
    else:  # reaction
        _text(content.get("message_id"), "reaction['message_id']", 512)
        if not isinstance(content.get("emoji"), str):
            raise missing("reaction['emoji']")
    return kind, dict(content)


def check_interactive(interactive: dict[str, Any]) -> None:
    """Reply buttons, a list or a CTA URL button, with Meta's limits."""
    kind = interactive.get("type")
    if kind not in ("button", "list", "cta_url"):
        raise invalid("Param interactive['type'] must be one of {BUTTON, LIST, CTA_URL}.")
    body = _obj(interactive.get("body"), "interactive['body']")
    _text(body.get("text"), "interactive['body']['text']", INTERACTIVE_BODY_MAX)
    header = interactive.get("header")
    if header is not None:
        header = _obj(header, "interactive['header']")
        if header.get("type", "text") == "text":
            _text(header.get("text"), "interactive['header']['text']", HEADER_MAX)
    footer = interactive.get("footer")
    if footer is not None:
        _text(
            _obj(footer, "interactive['footer']").get("text"),
            "interactive['footer']['text']",
            FOOTER_MAX,
        )
    action = _obj(interactive.get("action"), "interactive['action']")
    if kind == "button":
        check_buttons(action)
    elif kind == "list":
        check_list(action)
    else:
        if action.get("name") != "cta_url":
            raise invalid("Param interactive['action']['name'] must be cta_url.", 131009)
        parameters = _obj(action.get("parameters"), "interactive['action']['parameters']")
        _text(
            parameters.get("display_text"),
            "interactive['action']['parameters']['display_text']",
            BUTTON_TITLE_MAX,
            131009,
        )
        _http_url(parameters.get("url"), "interactive['action']['parameters']['url']", 131009)


def check_buttons(action: dict[str, Any]) -> None:
    """1-3 reply buttons with unique ids and titles of at most 20 characters."""
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise missing("interactive['action']['buttons']")
    if len(buttons) > BUTTONS_MAX:
        raise invalid(
            f"Param interactive['action']['buttons'] must have at most {BUTTONS_MAX} elements.",
            131009,
        )
    ids: set[str] = set()
    titles: set[str] = set()
    for i, button in enumerate(buttons):
        where = f"interactive['action']['buttons'][{i}]"
        button = _obj(button, where)
        if button.get("type") != "reply":
            raise invalid(f"Param {where}['type'] must be reply.", 131009)
        reply = _obj(button.get("reply"), f"{where}['reply']")
        title = reply.get("title")
        if not isinstance(title, str) or not 1 <= len(title) <= BUTTON_TITLE_MAX:
            raise invalid(
                f"Button title length invalid. Min length: 1, Max length: {BUTTON_TITLE_MAX}",
                131009,
            )
        button_id = _id(reply.get("id"), f"{where}['reply']['id']", BUTTON_ID_MAX, "Button")
        if button_id in ids:
            raise invalid("Duplicate button id is not allowed.", 131009)
        if title in titles:
            raise invalid("Duplicate button title is not allowed.", 131009)
        ids.add(button_id)
        titles.add(title)


def check_list(action: dict[str, Any]) -> None:
    """A list: button label, sections and at most 10 rows in all, with Meta's lengths."""
    _text(action.get("button"), "interactive['action']['button']", LIST_BUTTON_MAX, 131009)
    sections = action.get("sections")
    if not isinstance(sections, list) or not sections:
        raise missing("interactive['action']['sections']")
    if len(sections) > SECTIONS_MAX:
        raise invalid(f"Too many sections: at most {SECTIONS_MAX} are allowed.", 131009)
    total = 0
    ids: set[str] = set()
    for s, section in enumerate(sections):
        where = f"interactive['action']['sections'][{s}]"
        section = _obj(section, where)
        title = section.get("title")
        if len(sections) > 1 or title is not None:
            _text(title, f"{where}['title']", SECTION_TITLE_MAX, 131009)
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            raise missing(f"{where}['rows']")
        for r, row in enumerate(rows):
            row_where = f"{where}['rows'][{r}]"
            row = _obj(row, row_where)
            row_id = _id(row.get("id"), f"{row_where}['id']", ROW_ID_MAX, "Row")
            row_title = row.get("title")
            if not isinstance(row_title, str) or not 1 <= len(row_title) <= ROW_TITLE_MAX:
                raise invalid(
                    f"Row title length invalid. Min length: 1, Max length: {ROW_TITLE_MAX}",
                    131009,
                )
            description = row.get("description")
            if description is not None and (
                not isinstance(description, str) or len(description) > ROW_DESCRIPTION_MAX
            ):
                raise invalid(
                    f"Row description length invalid. Max length: {ROW_DESCRIPTION_MAX}", 131009
                )
            if row_id in ids:
                raise invalid("Duplicate row id is not allowed.", 131009)
            ids.add(row_id)
            total += 1
    if total > ROWS_MAX:
        raise invalid(f"Total row count exceed max allowed count: {ROWS_MAX}", 131009)


def template_params(template: dict[str, Any]) -> list[str]:
    """The text of the body component's parameters, in order."""
    params: list[str] = []
    components = template.get("components") or []
    if not isinstance(components, list):
        raise invalid("Param template['components'] must be a list.")
    for component in components:
        if not isinstance(component, dict) or str(component.get("type", "")).lower() != "body":
            continue
        for parameter in component.get("parameters") or []:
            if not isinstance(parameter, dict):
                raise invalid("Param template['components'][]['parameters'] must hold objects.")
            if parameter.get("type", "text") == "text":
                text = _text(parameter.get("text"), "parameter['text']", 32768)
                if FLAT_PARAM.search(text):
                    raise GraphError(132018, PARAM_FLAT_DETAILS)
                if len(text) > TEMPLATE_BODY_MAX:
                    raise GraphError(132005, f"body: a parameter is {len(text)} characters long")
                params.append(text)
            else:
                params.append(str(parameter.get(str(parameter.get("type")), "")))
    return params


def check_template(
    template: dict[str, Any], templates: Mapping[tuple[str, str], Template]
) -> Template:
    """An approved template in the language asked for, with the right parameter count."""
    name = template.get("name")
    if not isinstance(name, str) or not name:
        raise missing("template['name']")
    language = template.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(code, str) or not code:
        raise missing("template['language']['code']")
    found = templates.get((name, code))
    if found is None:
        raise GraphError(132001, f"template name ({name}) does not exist in {code}")
    params = template_params(template)
    if len(params) != found.body_params:
        raise GraphError(
            132000,
            f"body: number of localizable_params ({len(params)}) does not match the expected "
            f"number of params ({found.body_params})",
        )
    if found.text is not None and len(found.render(params)) > TEMPLATE_BODY_MAX:
        raise GraphError(132005, f"body: longer than {TEMPLATE_BODY_MAX} characters filled in")
    return found


def check_media(kind: str, content: dict[str, Any], media: Mapping[str, WaMedia]) -> None:
    """A medium by uploaded `id` or `link`, of a fitting type, with a short caption."""
    media_id, link = content.get("id"), content.get("link")
    if (media_id is None) == (link is None):
        raise invalid(f"Param {kind} must have exactly one of id or link.")
    if media_id is not None:
        stored = media.get(str(media_id))
        if stored is None:
            raise invalid(
                f"Param {kind}['id'] is not a valid whatsapp business account media attachment ID"
            )
        allowed = MEDIA_MIME.get(kind)
        if allowed and not stored.mime_type.startswith(allowed):
            raise GraphError(
                131053, f"Media upload error: {stored.mime_type} cannot be sent as {kind}."
            )
    else:
        _http_url(link, f"{kind}['link']")
    caption = content.get("caption")
    if caption is not None:
        if kind not in CAPTIONED:
            raise invalid(f"Param {kind}['caption'] is not allowed for {kind}.")
        _text(caption, f"{kind}['caption']", CAPTION_MAX, minimum=0)
