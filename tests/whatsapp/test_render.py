"""Rendering the core's replies for WhatsApp: pure functions, no I/O."""

from __future__ import annotations

import pytest

from bot.platform.messages import Choice, Link, MediaRef, Reply, rows
from handlers.whatsapp.render import (
    BODY_LIMIT,
    TEXT_LIMIT,
    ListRow,
    OutButtons,
    OutLink,
    OutList,
    OutMedia,
    OutText,
    ReplyButton,
    defuse,
    render,
    shorten,
    split,
)


def choices(*labels: str) -> tuple[tuple[Choice, ...], ...]:
    """Choices labelled as given, with data n0, n1, …"""
    return rows([Choice(label, f"abc123.c{i}") for i, label in enumerate(labels)], 2)


def test_title_is_a_bold_line_above_the_text() -> None:
    """`*Title*`, a blank line, then the text; no title, just the text."""
    assert render(Reply(text="Isi", title="Judul"), "Pilih") == [OutText("*Judul*\n\nIsi")]
    assert render(Reply(text="Isi"), "Pilih") == [OutText("Isi")]
    assert render(Reply(text="", title="Judul"), "Pilih") == [OutText("*Judul*")]


def test_formatting_characters_from_names_and_typed_text_are_harmless() -> None:
    """Markers that could open bold, italic, strike or code become look-alikes; URLs stay."""
    assert defuse("Saya tidak menemukan “*tebal*”") == "Saya tidak menemukan “∗tebal*”"
    assert defuse("_miring_ ~coret~ `kode`") == "＿miring_ ∼coret~ ˋkode`"
    assert defuse("/start kel_3672021001 a * b 2*3") == "/start kel_3672021001 a * b 2*3"
    assert defuse("https://t.me/+_abc_ lihat") == "https://t.me/+_abc_ lihat"
    title = render(Reply(text="x", title="A *B* C"), "Pilih")[0]
    assert isinstance(title, OutText)
    assert title.text.startswith("*A ∗B∗ C*")


def test_notice_only_reply_is_a_plain_text_and_edit_is_ignored() -> None:
    """A Telegram toast becomes a text; a reply that would edit is sent anew."""
    assert render(Reply(text="", notice="Tombol itu sudah tidak aktif."), "Pilih") == [
        OutText("Tombol itu sudah tidak aktif.")
    ]
    edited = render(Reply(text="Baru", edit=True, notice="Anda bergabung."), "Pilih")
    assert edited == [OutText("Anda bergabung.\n\nBaru")]
    assert render(Reply(text=""), "Pilih") == []


def test_up_to_three_short_choices_are_reply_buttons() -> None:
    """Ids are the choice data, titles the labels."""
    out = render(Reply(text="Setuju?", choices=choices("✅ Ya", "✖ Tidak")), "Pilih")
    assert out == [
        OutButtons(
            "Setuju?", (ReplyButton("abc123.c0", "✅ Ya"), ReplyButton("abc123.c1", "✖ Tidak"))
        )
    ]


@pytest.mark.parametrize(
    "labels",
    [
        ("Kelurahan Kebon Dalem (Purwakarta)", "« Kecamatan lain"),  # too long for a button
        ("Sama", "Sama"),  # WhatsApp needs distinct button titles
        ("Satu", "Dua", "Tiga", "Empat"),  # more than three
    ],
)
def test_other_choices_up_to_ten_are_a_list(labels: tuple[str, ...]) -> None:
    """A list keeps long labels whole in the row description."""
    out = render(Reply(text="Yang mana?", choices=choices(*labels)), "Pilih")
    assert len(out) == 1
    message = out[0]
    assert isinstance(message, OutList)
    assert message.label == "Pilih"
    assert [r.id for r in message.rows] == [f"abc123.c{i}" for i in range(len(labels))]
    for row, label in zip(message.rows, labels, strict=True):
        assert len(row.title) <= 24
        if len(label) > 24:
            assert row.title == label[:23] + "…"
            assert row.description == label
        else:
            assert (row.title, row.description) == (label, "")


def test_list_button_label_is_shortened() -> None:
    """The list button holds at most 20 characters."""
    out = render(Reply(text="?", choices=choices(*"ABCD")), "Pilih salah satu pilihan")
    assert isinstance(out[0], OutList)
    assert out[0].label == "Pilih salah satu pi…"


def test_long_row_descriptions_are_shortened() -> None:
    """Descriptions hold at most 72 characters."""
    label = "Kelurahan " + "Panjang " * 12
    out = render(Reply(text="?", choices=choices(label, "B", "C", "D")), "Pilih")
    assert isinstance(out[0], OutList)
    assert out[0].rows[0] == ListRow("abc123.c0", shorten(label, 24), shorten(label, 72))
    assert len(out[0].rows[0].description) == 72


def test_more_than_ten_choices_are_a_numbered_text() -> None:
    """Eleven choices: the text, then '1. …' lines the resident answers with a number."""
    labels = [f"Komunitas {i}" for i in range(1, 12)]
    out = render(Reply(text="Pilih komunitas:", choices=choices(*labels)), "Pilih")
    assert len(out) == 1
    assert isinstance(out[0], OutText)
    lines = out[0].text.split("\n")
    assert lines[:2] == ["Pilih komunitas:", ""]
    assert lines[2:] == [f"{i}. Komunitas {i}" for i in range(1, 12)]


def test_choice_data_too_long_for_an_id_falls_back_to_numbers() -> None:
    """Ids over 200 characters cannot be list rows: the numbered text is used instead."""
    reply = Reply(text="?", choices=((Choice("A", "x" * 201), Choice("B", "y")),) * 2)
    out = render(reply, "Pilih")
    assert isinstance(out[0], OutText)
    assert "1. A" in out[0].text


@pytest.mark.parametrize("data", ["ya ", " ya", "ya\t"])
def test_choice_data_with_spaces_at_its_ends_is_never_an_id(data: str) -> None:
    """Meta refuses button and row ids with leading or trailing spaces: numbered text."""
    for reply in (
        Reply(text="?", choices=((Choice("Ya", data), Choice("Tidak", "no")),)),
        Reply(
            text="?",
            choices=tuple((Choice(f"K{i}", data.replace("ya", f"ya{i}")),) for i in range(5)),
        ),
    ):
        out = render(reply, "Pilih")
        assert [type(o) for o in out] == [OutText]
        assert "1. " in out[0].text


def test_one_link_and_no_choices_is_a_url_button() -> None:
    """The channel invite becomes a CTA URL button with a title within 20 characters."""
    link = Link("Buka KIM Kelurahan Bagendung", "https://t.me/+bagendung")
    out = render(Reply(text="Selesai!", links=(link,)), "Pilih")
    assert out == [OutLink("Selesai!", "Buka KIM Kelurahan…", "https://t.me/+bagendung")]


def test_links_with_choices_are_text_lines() -> None:
    """With a menu, links are `Label: URL` lines above it."""
    link = Link("Buka KIM Bagendung", "https://t.me/+bagendung")
    reply = Reply(text="Selesai!", links=(link,), choices=choices(*"ABCD"))
    out = render(reply, "Pilih")
    assert isinstance(out[0], OutList)
    assert out[0].text == "Selesai!\n\nBuka KIM Bagendung: https://t.me/+bagendung"
    two = render(Reply(text="Dua:", links=(link, link)), "Pilih")
    assert two == [
        OutText("Dua:\n\n" + "\n".join(["Buka KIM Bagendung: https://t.me/+bagendung"] * 2))
    ]


def test_long_text_is_split_at_line_breaks() -> None:
    """Nothing over 4096 characters; lines stay whole."""
    text = "\n".join(["x" * 100] * 100)
    out = render(Reply(text=text), "Pilih")
    assert all(isinstance(o, OutText) and len(o.text) <= TEXT_LIMIT for o in out)
    joined = "".join(o.text for o in out if isinstance(o, OutText))
    assert joined.replace("\n", "") == text.replace("\n", "")
    assert split("y" * 9000)[0] == "y" * 4096


def test_long_text_with_buttons_puts_the_tail_in_the_interactive_body() -> None:
    """Interactive bodies hold 1024 characters: the start goes first as text."""
    paragraphs = [f"Paragraf {i}: " + "kata " * 60 for i in range(8)]
    text = "\n\n".join(paragraphs)
    out = render(Reply(text=text, title="Pemberitahuan privasi", choices=choices("Ya")), "Pilih")
    *head, last = out
    assert head
    assert all(isinstance(h, OutText) and len(h.text) <= TEXT_LIMIT for h in head)
    assert isinstance(last, OutButtons)
    assert 0 < len(last.text) <= BODY_LIMIT
    assert last.text.startswith("Paragraf")
    shown = "".join(h.text for h in head if isinstance(h, OutText)) + last.text
    assert shown.replace("\n", "").replace(" ", "") == (
        ("*Pemberitahuan privasi*" + text).replace("\n", "").replace(" ", "")
    )


def test_long_unbroken_text_with_buttons_is_cut_hard() -> None:
    """No line break or space to cut at: the last 1024 characters carry the buttons."""
    out = render(Reply(text="z" * 3000, choices=choices("Ya")), "Pilih")
    assert [type(o) for o in out] == [OutText, OutButtons]
    assert isinstance(out[1], OutButtons)
    assert len(out[1].text) == BODY_LIMIT


def test_whatsapp_media_ids_are_sent_other_files_are_not() -> None:
    """A numeric WhatsApp media id goes out before the text; a Telegram file id cannot."""
    whatsapp = Reply(text="Foto", media=MediaRef("photo", "1479537139650973"))
    assert render(whatsapp, "Pilih") == [OutMedia("photo", "1479537139650973"), OutText("Foto")]
    telegram = Reply(text="Foto", media=MediaRef("photo", "AgACAgIAAxkBAAI"))
    assert render(telegram, "Pilih") == [OutText("Foto")]


def test_choices_without_text_still_have_a_body() -> None:
    """WhatsApp requires a body on interactive messages."""
    out = render(Reply(text="", choices=choices(*"ABCD")), "Pilih")
    assert isinstance(out[0], OutList)
    assert out[0].text == "Pilih"
