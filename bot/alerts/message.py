"""An early warning as one resident reads it: built from the CAP fields in their language.

The labels are the bot's own text through gettext (id, en, jv, su); the CAP text itself
(headline, description, instruction, the sender's name) is given as the alert has it,
from its `info` block in the resident's language when it has one (CAP `language`
`id-ID`, `en-US`, …), else its first. The "where" line names the resident's own
kelurahan (or desa) and kecamatan; "until" is the alert's expiry in the deployment's
time zone. An Update says so in its title; a Cancel is the all-clear, naming what it
ends.
"""

from __future__ import annotations

from bot.alerts import cap
from bot.alerts.store import AlertRecord
from bot.platform.clock import to_datetime
from bot.platform.i18n import Translator
from bot.regions.tree import RegionIndex


def pick_info(alert: cap.Alert, locale: str) -> cap.Info | None:
    """The alert's `info` in `locale` (its language's first part), else its first."""
    for info in alert.infos:
        if info.language.split("-")[0].lower() == locale.lower():
            return info
    return alert.infos[0] if alert.infos else None


def where(tr: Translator, regions: RegionIndex, village: str | None) -> str:
    """The resident's kelurahan and kecamatan, as the message names them."""
    place = regions.get(village) if village else None
    if place is None:
        return regions.city.name
    kecamatan = regions.get(place.parent) if place.parent else None
    if kecamatan is None:
        return place.name
    return tr._("{village}, Kec. {kecamatan}", village=place.name, kecamatan=kecamatan.name)


def _severity(tr: Translator, severity: str) -> str:
    labels = {
        "Extreme": tr._("Extreme"),
        "Severe": tr._("Severe"),
        "Moderate": tr._("Moderate"),
        "Minor": tr._("Minor"),
    }
    return labels.get(severity, tr._("Unknown"))


def _title(tr: Translator, record: AlertRecord) -> str:
    if record.status in ("Test", "Exercise"):
        return tr._("🧪 TEST EARLY WARNING (staff only, not sent to residents)")
    if record.msg_type == "Update":
        return tr._("⚠️ EARLY WARNING — UPDATE")
    return tr._("⚠️ EARLY WARNING")


def alert_text(
    tr: Translator,
    regions: RegionIndex,
    record: AlertRecord,
    alert: cap.Alert,
    village: str | None,
    ended: AlertRecord | None = None,
) -> str:
    """The message for a resident of `village` reading `tr`'s language; for a Cancel,
    `ended` is the alert it ends (its chain's first)."""
    info = pick_info(alert, tr.locale)
    source = (info.sender_name if info and info.sender_name else "") or alert.sender
    if record.msg_type == "Cancel":
        lines = [tr._("✅ ALL CLEAR: the early warning is lifted")]
        if ended is not None:
            lines.append(ended.headline or ended.event)
        if info is not None and (info.description or info.headline):
            lines.append(info.description or info.headline)
        elif alert.note:
            lines.append(alert.note)
        lines.append(tr._("Where: {place}", place=where(tr, regions, village)))
        lines.append(tr._("Source: {source}", source=source))
        return "\n".join(lines)
    lines = [_title(tr, record)]
    if info is not None:
        lines.append(info.headline or info.event)
        lines.append(tr._("Severity: {severity}", severity=_severity(tr, info.severity)))
        if info.description:
            lines.append(tr._("What: {description}", description=info.description))
    lines.append(tr._("Where: {place}", place=where(tr, regions, village)))
    if info is not None and info.instruction:
        lines.append(tr._("What to do: {instruction}", instruction=info.instruction))
    lines.append(tr._("Until: {when}", when=tr.datetime_text(to_datetime(record.expires))))
    lines.append(tr._("Source: {source}", source=source))
    return "\n".join(lines)
