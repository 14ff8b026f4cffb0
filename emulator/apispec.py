"""The parameters every implemented method has in the current Bot API (10.1, June 2026).

The table follows the published method descriptions, one entry per method the emulator
serves (old aliases such as `kickChatMember` share their successor's entry). A call with
a parameter its method does not have is refused with a 400, so a client that still sends
what the Bot API replaced (`disable_web_page_preview`, `reply_to_message_id`, …) is
caught in tests instead of relying on a compatibility path the real server may drop.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import ApiError, bad_request

API_VERSION = "10.1"
ALIASES = {"getChatMembersCount": "getChatMemberCount", "kickChatMember": "banChatMember"}
REPLACED = {
    "disable_web_page_preview": "link_preview_options",
    "reply_to_message_id": "reply_parameters",
    "allow_sending_without_reply": "reply_parameters",
    "thumb": "thumbnail",
}
PARAMETERS: dict[str, tuple[str, ...]] = {
    "answerCallbackQuery": ("callback_query_id", "text", "show_alert", "url", "cache_time"),
    "approveChatJoinRequest": ("chat_id", "user_id"),
    "banChatMember": ("chat_id", "user_id", "until_date", "revoke_messages"),
    "copyMessage": (
        "chat_id",
        "message_thread_id",
        "direct_messages_topic_id",
        "from_chat_id",
        "message_id",
        "video_start_timestamp",
        "caption",
        "parse_mode",
        "caption_entities",
        "show_caption_above_media",
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "message_effect_id",
        "suggested_post_parameters",
        "reply_parameters",
        "reply_markup",
    ),
    "createChatInviteLink": (
        "chat_id",
        "name",
        "expire_date",
        "member_limit",
        "creates_join_request",
    ),
    "createForumTopic": ("chat_id", "name", "icon_color", "icon_custom_emoji_id"),
    "declineChatJoinRequest": ("chat_id", "user_id"),
    "deleteMessage": ("chat_id", "message_id"),
    "deleteMyCommands": ("scope", "language_code"),
    "deleteWebhook": ("drop_pending_updates",),
    "editMessageCaption": (
        "business_connection_id",
        "chat_id",
        "message_id",
        "inline_message_id",
        "caption",
        "parse_mode",
        "caption_entities",
        "show_caption_above_media",
        "reply_markup",
    ),
    "editMessageReplyMarkup": (
        "business_connection_id",
        "chat_id",
        "message_id",
        "inline_message_id",
        "reply_markup",
    ),
    "editMessageText": (
        "business_connection_id",
        "chat_id",
        "message_id",
        "inline_message_id",
        "text",
        "parse_mode",
        "entities",
        "link_preview_options",
        "rich_message",
        "reply_markup",
    ),
    "forwardMessage": (
        "chat_id",
        "message_thread_id",
        "direct_messages_topic_id",
        "from_chat_id",
        "video_start_timestamp",
        "disable_notification",
        "protect_content",
        "message_effect_id",
        "suggested_post_parameters",
        "message_id",
    ),
    "getChat": ("chat_id",),
    "getChatAdministrators": ("chat_id", "return_bots"),
    "getChatMember": ("chat_id", "user_id"),
    "getChatMemberCount": ("chat_id",),
    "getChatMenuButton": ("chat_id",),
    "getFile": ("file_id",),
    "getMe": (),
    "getMyCommands": ("scope", "language_code"),
    "getUpdates": ("offset", "limit", "timeout", "allowed_updates"),
    "getWebhookInfo": (),
    "leaveChat": ("chat_id",),
    "pinChatMessage": ("business_connection_id", "chat_id", "message_id", "disable_notification"),
    "sendChatAction": ("business_connection_id", "chat_id", "message_thread_id", "action"),
    "sendDocument": (
        "business_connection_id",
        "chat_id",
        "message_thread_id",
        "direct_messages_topic_id",
        "document",
        "thumbnail",
        "caption",
        "parse_mode",
        "caption_entities",
        "disable_content_type_detection",
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "message_effect_id",
        "suggested_post_parameters",
        "reply_parameters",
        "reply_markup",
    ),
    "sendMessage": (
        "business_connection_id",
        "chat_id",
        "message_thread_id",
        "direct_messages_topic_id",
        "text",
        "parse_mode",
        "entities",
        "link_preview_options",
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "message_effect_id",
        "suggested_post_parameters",
        "reply_parameters",
        "reply_markup",
    ),
    "sendPhoto": (
        "business_connection_id",
        "chat_id",
        "message_thread_id",
        "direct_messages_topic_id",
        "photo",
        "caption",
        "parse_mode",
        "caption_entities",
        "show_caption_above_media",
        "has_spoiler",
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "message_effect_id",
        "suggested_post_parameters",
        "reply_parameters",
        "reply_markup",
    ),
    "sendVideo": (
        "business_connection_id",
        "chat_id",
        "message_thread_id",
        "direct_messages_topic_id",
        "video",
        "duration",
        "width",
        "height",
        "thumbnail",
        "cover",
        "start_timestamp",
        "caption",
        "parse_mode",
        "caption_entities",
        "show_caption_above_media",
        "has_spoiler",
        "supports_streaming",
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "message_effect_id",
        "suggested_post_parameters",
        "reply_parameters",
        "reply_markup",
    ),
    "setChatMenuButton": ("chat_id", "menu_button"),
    "setMyCommands": ("commands", "scope", "language_code"),
    "setMyDescription": ("description", "language_code"),
    "setMyName": ("name", "language_code"),
    "setMyShortDescription": ("short_description", "language_code"),
    "setWebhook": (
        "url",
        "certificate",
        "ip_address",
        "max_connections",
        "allowed_updates",
        "drop_pending_updates",
        "secret_token",
    ),
    "unbanChatMember": ("chat_id", "user_id", "only_if_banned"),
    "unpinChatMessage": ("business_connection_id", "chat_id", "message_id"),
}


def unknown_parameter(method: str, names: Iterable[str]) -> ApiError | None:
    """The 400 for the first parameter `method` does not have, or None when all are known."""
    allowed = PARAMETERS.get(ALIASES.get(method, method))
    if allowed is None:
        return None
    for name in names:
        if name in allowed:
            continue
        successor = REPLACED.get(name)
        hint = f"; use {successor}" if successor in allowed else ""
        return bad_request(
            f'parameter "{name}" is not supported by {method} in Bot API {API_VERSION}{hint}'
        )
    return None
