"""Bot API methods that change existing things: edits, deletes and callback answers."""

from __future__ import annotations

import time
from typing import Any

from .content import FormattedText, format_text, validate_markup
from .errors import bad_request
from .methods_send import link_preview
from .registry import Call, find_chat, method
from .shapes import message_json
from .state import CALLBACK_ANSWER_SECONDS, Message, now

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
STALE_QUERY = "query is too old and response timeout expired or query ID is invalid"


def editable(call: Call) -> Message:
    """Return the bot's own message named by chat_id/message_id."""
    p = call.params
    if p.has("inline_message_id") and not p.has("chat_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = find_chat(call, p.chat_ref())
    message = chat.messages.get(p.req_int("message_id"))
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if message.author_bot_id != call.bot.id or message.service is not None:
        raise bad_request("message can't be edited")
    return message


def inline_markup(call: Call) -> dict[str, Any] | None:
    """Return the inline keyboard of an edit (other keyboards are not allowed)."""
    markup = validate_markup(call.params.opt_json("reply_markup"))
    if markup is None:
        return None
    if markup.inline is None:
        raise bad_request("inline keyboard expected")
    return markup.inline


def same(a: FormattedText | None, b: FormattedText | None) -> bool:
    """Tell whether two texts look identical to a user."""
    if a is None or b is None:
        return a is b
    return a.text == b.text and a.entities == b.entities


def apply_edit(call: Call, message: Message) -> Any:
    """Stamp an edit and return the edited message (or True for channel-less cases)."""
    message.edit_date = now()
    message.edit_count += 1
    call.world.touch(message)
    return message_json(call.world, message)


@method("editMessageText")
async def edit_message_text(call: Call) -> Any:
    """Change the text (and keyboard) of a bot message."""
    p = call.params
    message = editable(call)
    text = format_text(p.opt_str("text"), p.opt_str("parse_mode"), p.opt_json("entities"))
    markup = inline_markup(call)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    if same(message.text, text) and markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.text = text
    message.reply_markup = markup
    message.link_preview = link_preview(call)
    return apply_edit(call, message)


@method("editMessageCaption")
async def edit_message_caption(call: Call) -> Any:
    """Change the caption (and keyboard) of a bot media message."""
    p = call.params
    message = editable(call)
    caption = format_text(
        p.opt_str("caption"), p.opt_str("parse_mode"), p.opt_json("caption_entities"), caption=True
    )
    markup = inline_markup(call)
    if message.media_kind not in ("photo", "document", "video", "voice"):
        raise bad_request("there is no caption in the message to edit")
    if same(message.caption, caption) and markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.caption = caption
    message.reply_markup = markup
    return apply_edit(call, message)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> Any:
    """Change or remove the inline keyboard of a bot message."""
    message = editable(call)
    markup = inline_markup(call)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    return apply_edit(call, message)


@method("deleteMessage")
async def delete_message(call: Call) -> Any:
    """Delete a message the bot may delete."""
    p = call.params
    chat = find_chat(call, p.chat_ref())
    message = chat.messages.get(p.req_int("message_id"))
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    member = chat.member(call.bot.id)
    allowed = (
        message.author_bot_id == call.bot.id
        or chat.type == "private"
        or (member is not None and member.can("can_delete_messages"))
    )
    if not allowed:
        raise bad_request("message can't be deleted")
    message.deleted = True
    call.world.touch(message)
    return True


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> Any:
    """Answer a callback query once; the answer is recorded for the user side."""
    p = call.params
    query_id = p.req_str("callback_query_id", "QUERY_ID_INVALID")
    record = call.world.callbacks.get(query_id)
    if record is None or record.bot_id != call.bot.id or record.answered:
        raise bad_request(STALE_QUERY)
    if time.time() - record.created > CALLBACK_ANSWER_SECONDS:
        raise bad_request(STALE_QUERY)
    text = p.opt_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    record.answer = {
        "text": text,
        "show_alert": p.flag("show_alert"),
        "url": p.opt_str("url"),
        "cache_time": p.opt_int("cache_time") or 0,
    }
    record.notifier.notify()
    call.world.changed()
    return True
