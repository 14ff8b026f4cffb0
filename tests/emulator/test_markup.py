"""Telegram text formatting: HTML and MarkdownV2 parsing, automatic entities, keyboards."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from emulator.content import format_text, validate_markup
from emulator.errors import ApiError
from emulator.markdown import parse_markdown, parse_markdown_v2
from emulator.textparse import detect_entities, parse_html, utf16_len

Parse = Callable[[str], tuple[str, list[dict[str, object]]]]
PARSED = [
    pytest.param(
        parse_html,
        '<b>bold <i>both</i></b> <code>x&lt;y</code> <pre><code class="language-python">'
        'print(1)</code></pre> <tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span>'
        " <blockquote expandable>q</blockquote> &quot;&amp;&#65;&#x42;",
        'bold both x<y print(1) s t q "&AB',
        "bold 0+9 italic 5+4 code 10+3 pre 14+8 spoiler 23+1 spoiler 25+1 "
        "expandable_blockquote 27+1",
        {3: {"language": "python"}},
        id="html nesting and entities",
    ),
    pytest.param(
        parse_markdown_v2,
        "*bold _italic_* __under__ ~del~ ||spoil|| [link](https://a.id/x\\)y) `c\\`d` "
        "```py\nprint()\n``` \\*not bold\\*",
        "bold italic under del spoil link c`d print()\n *not bold*",
        "bold 0+11 italic 5+6 underline 12+5 strikethrough 18+3 spoiler 22+5 text_link 28+4 "
        "code 33+3 pre 37+8",
        {5: {"url": "https://a.id/x)y"}, 7: {"language": "py"}},
        id="markdown v2",
    ),
    pytest.param(
        parse_markdown_v2,
        ">satu\n>dua\nbiasa\n**>lipat\n>lagi||",
        "satu\ndua\nbiasa\nlipat\nlagi",
        "blockquote 0+8 expandable_blockquote 15+10",
        {},
        id="markdown v2 blockquotes",
    ),
    pytest.param(
        parse_markdown,
        "*tebal* _miring_ `kode` [tautan](https://x.id) a\\_b",
        "tebal miring kode tautan a_b",
        "bold 0+5 italic 6+6 code 13+4 text_link 18+6",
        {3: {"url": "https://x.id"}},
        id="legacy markdown",
    ),
]


def kinds(entities: list[dict[str, object]]) -> str:
    """The entities as "type offset+length", space-separated, in order."""
    return " ".join(f"{e['type']} {e['offset']}+{e['length']}" for e in entities)


@pytest.mark.parametrize(("parse", "source", "text", "expected", "details"), PARSED)
def test_markup_becomes_text_and_entities(
    parse: Parse,
    source: str,
    text: str,
    expected: str,
    details: dict[int, dict[str, object]],
) -> None:
    """HTML, MarkdownV2 and legacy Markdown become plain text and entities (nested, with
    UTF-16 offsets), keeping code languages and link URLs."""
    parsed, entities = parse(source)
    assert parsed == text
    assert kinds(entities) == expected
    for index, fields in details.items():
        assert fields.items() <= entities[index].items()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ('<span class="x">a</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_html_errors(source: str, message: str) -> None:
    """Broken HTML is refused with Telegram's exact 'can't parse entities' reasons."""
    with pytest.raises(ApiError) as caught:
        parse_html(source)
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")
    assert message in caught.value.description


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Selesai.", "Character '.' is reserved"),
        ("*tebal", "Can't find end of Bold entity at byte offset 0"),
        ("a _miring", "Can't find end of Italic entity at byte offset 2"),
        ("`kode", "Can't find end of Code entity"),
        ("[teks](url", "Can't find end of TextUrl entity"),
    ],
)
def test_markdown_v2_errors(source: str, message: str) -> None:
    """Unescaped reserved characters and unclosed MarkdownV2 entities are refused like Telegram
    does."""
    with pytest.raises(ApiError, match="can't parse entities") as caught:
        parse_markdown_v2(source)
    assert message in caught.value.description


def test_legacy_markdown_errors() -> None:
    """An unclosed legacy Markdown entity is refused like Telegram does."""
    with pytest.raises(ApiError, match="Can't find end of the entity starting at byte offset 0"):
        parse_markdown("*tebal")


def test_automatic_entities_and_utf16() -> None:
    """Commands, mentions, hashtags, URLs and emails are found at UTF-16 offsets, but not inside
    code."""
    text = "🙂 /lapor@kim_bot ke @admin_rw #banjir https://kim.id/a, mail: a.b@kim.id"
    found = {e["type"]: e for e in detect_entities(text)}
    assert set(found) == {"bot_command", "mention", "hashtag", "url", "email"}
    assert found["bot_command"]["offset"] == 3  # the emoji is two UTF-16 units
    url = found["url"]
    offset, length = int(url["offset"]), int(url["length"])
    assert text.encode("utf-16-le")[offset * 2 : (offset + length) * 2].decode("utf-16-le") == (
        "https://kim.id/a"
    )
    assert utf16_len("🙂a") == 3
    # entities inside code are not detected again
    inner = format_text("<code>/start @nobody</code>", "HTML", None)
    assert inner is not None
    assert kinds(inner.entities) == "code 0+14"


def test_format_text_trims_and_limits() -> None:
    """Texts are trimmed with their entities moved; explicit entities win over parse_mode and must
    lie within the text; unknown modes are refused."""
    result = format_text("  <b> halo </b>  ", "HTML", None)
    assert result is not None
    assert result.text == "halo"
    assert kinds(result.entities) == "bold 0+4"
    assert format_text(None, None, None, caption=True) is None
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        format_text("x", "BBCode", None)
    explicit = format_text("halo dunia", "HTML", [{"type": "bold", "offset": 0, "length": 4}])
    assert explicit is not None
    assert explicit.parse_mode is None
    with pytest.raises(ApiError, match="out of the text bounds"):
        format_text("ab", None, [{"type": "bold", "offset": 1, "length": 5}])


def test_keyboard_validation() -> None:
    """Inline and reply keyboards are accepted; buttons without an action, bad data or URLs and
    malformed markup are refused."""
    markup = validate_markup(
        {
            "inline_keyboard": [
                [{"text": "a", "callback_data": "x" * 64}, {"text": "b", "url": "t.me/kim"}]
            ]
        }
    )
    assert markup is not None
    assert markup.inline is not None
    reply = validate_markup({"keyboard": [["Ya", {"text": "Tidak"}]], "resize_keyboard": True})
    assert reply is not None
    assert reply.kind == "reply"
    assert reply.inline is None
    bad = [
        ({"inline_keyboard": [[{"text": "a"}]]}, "Text buttons are unallowed"),
        ({"inline_keyboard": [[{"text": "a", "callback_data": ""}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "a", "callback_data": "é" * 33}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "a", "url": ""}]]}, "BUTTON_URL_INVALID"),
        ({"inline_keyboard": [[{"text": "a", "url": "not a url"}]]}, "BUTTON_URL_INVALID"),
        ({"inline_keyboard": "x"}, "can't parse reply keyboard markup"),
        ({"something": 1}, "can't parse reply keyboard markup"),
    ]
    for raw, message in bad:
        with pytest.raises(ApiError, match=message):
            validate_markup(raw)
