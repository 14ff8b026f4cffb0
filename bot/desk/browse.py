"""Staff browsing the archive: `/arsip kata kunci`, best matches first, a page at a time.

The query is read as a request is (`Fingerprint.of`: Indonesian stems, shorthand,
numbers, links), and its candidates come from the archive's index (`HoaxArchive.scored`,
a bounded set). A match's score is the higher of how alike the claim is to the query
(a pasted chain message) and how much of the query the claim holds (a few keywords),
shown as a percentage with the verdict, its date, the claim's number and the start of
its text; `PAGE` to a page, with ‹ › buttons (`ArchivePage`) beyond that. Staff only,
in the staff group or a private chat with the bot.

Redis keys (owned here):
- `kim:hx:browse:{staff}` — a staff member's last query, for its page buttons, an hour.
"""

from __future__ import annotations

from bot.desk.correction_texts import excerpt
from bot.desk.hoaxes import Claim, Fingerprint
from bot.platform.actions import ArchivePage
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.messages import Choice, Reply
from bot.services import Services

PAGE = 5
MAX_QUERY = 1000
QUERY_SECONDS = 3600
EXCERPT = 100


def _query_key(staff: Address) -> str:
    return f"kim:hx:browse:{staff}"


def matches(svc: Services, query: str) -> list[tuple[Claim, float]]:
    """Archived claims matching `query`, best first, each with its score (0..1]."""
    wanted = Fingerprint.of(query, [])
    asked = wanted.words | wanted.links
    found: list[tuple[Claim, float]] = []
    for claim, similarity in svc.hoaxes.scored(wanted, keywords=True):
        held = claim.fingerprint.words | claim.fingerprint.links
        coverage = len(asked & held) / len(asked) if asked else 0.0
        score = max(similarity, coverage)
        if score > 0:
            found.append((claim, score))
    return sorted(found, key=lambda pair: (pair[1], pair[0].at), reverse=True)


def archive_search(svc: Services, staff: Address, query: str) -> Reply:
    """`/arsip kata kunci`: the first page of matches (usage for no query)."""
    tr = svc.translator(svc.config.locales.default)
    _ = tr._
    if not svc.roles.is_staff(staff):
        return Reply(text=_("This command is for desk staff."))
    query = " ".join(query.split())
    if not query:
        return Reply(
            text=_(
                "Usage: /arsip followed by words of the claim, e.g. /arsip vaksin chip. "
                "The best matches in the archive are shown with their score."
            )
        )
    if len(query) > MAX_QUERY:
        return Reply(
            text=_(
                "That search is too long ({length}; at most {max} characters).",
                length=tr.number(len(query)),
                max=tr.number(MAX_QUERY),
            )
        )
    svc.redis.set(_query_key(staff), query, ex=QUERY_SECONDS)
    return _page(svc, query, 0, edit=False)


def archive_page(svc: Services, staff: Address, page: int) -> list[Reply]:
    """A page button of the staff member's last search."""
    _ = svc.translator(svc.config.locales.default)._
    if not svc.roles.is_staff(staff):
        return [Reply(text="", notice=_("Only desk staff can do that."))]
    query = svc.redis.get(_query_key(staff))
    if not query:
        return [Reply(text="", notice=_("That search has expired; search again with /arsip."))]
    return [_page(svc, str(query), page, edit=True)]


def _page(svc: Services, query: str, page: int, edit: bool) -> Reply:
    """Page `page` of the matches of `query`."""
    tr = svc.translator(svc.config.locales.default)
    _ = tr._
    found = matches(svc, query)
    title = _("Archive: “{query}”", query=excerpt(query, 60))
    if not found:
        return Reply(
            title=title,
            text=_("No archived verdict matches that. Try other words of the claim."),
            edit=edit,
        )
    pages = -(-len(found) // PAGE)
    page = min(max(page, 0), pages - 1)
    lines = []
    for number, (claim, score) in enumerate(
        found[page * PAGE : (page + 1) * PAGE], page * PAGE + 1
    ):
        lines.append(
            f"{number}. {tr.number(round(score * 100))}% · [{claim.verdict.upper()}] · "
            f"{tr.date_text(to_datetime(claim.at))} · {claim.id}"
        )
        lines.append("   " + excerpt(claim.text or claim.explanation, EXCERPT))
    lines += [
        "",
        _(
            "Page {page} of {pages} · {count} match(es). /koreksi NUMBER corrects a verdict.",
            page=tr.number(page + 1),
            pages=tr.number(pages),
            count=tr.number(len(found)),
        ),
    ]
    nav = []
    if page > 0:
        nav.append(Choice(_("‹ Previous"), ArchivePage(page - 1).pack()))
    if page < pages - 1:
        nav.append(Choice(_("More ›"), ArchivePage(page + 1).pack()))
    return Reply(
        title=title, text="\n".join(lines), choices=(tuple(nav),) if nav else (), edit=edit
    )
