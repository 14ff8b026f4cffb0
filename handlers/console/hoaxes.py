"""The hoax archive: search it as `/arsip` does, page through the newest verdicts, view
one, correct it or withdraw it. Desk staff and superadmins only.

A correction or a withdrawal goes through the staff group's own core actions
(`Corrections.correct` and `.withdraw`, bot/desk/corrections.py): the archive changes at
once, one job tells every resident who received the verdict (bot/desk/correction_runs.py)
and reports the count to the staff group, and the audit trail gets `hoax.corrected` or
`hoax.withdrawn`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.desk.browse import MAX_QUERY, matches
from bot.desk.correction_texts import excerpt
from bot.desk.corrections import Corrections
from bot.desk.hoaxes import VERDICTS, Claim
from bot.desk.staff import Desk
from bot.platform.clock import to_datetime
from bot.services import Services
from handlers.console.render import (
    blocking,
    notice,
    page,
    refuse,
    see_other,
    services_of,
    translator,
    viewer_of_request,
)

PAGE = 20
MAX_EXPLANATION = 3000
MAX_SOURCES = 2000
routes = web.RouteTableDef()


def _allowed(request: web.Request) -> bool:
    viewer = viewer_of_request(request)
    return viewer.is_staff or viewer.is_superadmin


def _page_number(text: str) -> int | None:
    """A page number from the query (1 when absent), None when malformed."""
    if not text:
        return 1
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else None


def _row(svc: Services, claim: Claim, score: float | None) -> dict[str, Any]:
    return {
        "id": claim.id,
        "verdict": claim.verdict,
        "at": to_datetime(claim.at),
        "excerpt": excerpt(claim.text or claim.explanation, 120),
        "score": round(score * 100) if score is not None else None,
    }


@routes.get("/hoaks")
async def archive(request: web.Request) -> web.Response:
    """Search results (`q`), or the newest verdicts; a page at a time."""
    if not _allowed(request):
        return await refuse(request)
    _ = (await blocking(translator, request))._
    query = " ".join(request.query.get("q", "").split())
    number = _page_number(request.query.get("halaman", ""))
    if number is None or len(query) > MAX_QUERY:
        return await notice(
            request,
            400,
            _("That search was not understood"),
            _(
                "A search is at most {max} characters, and a page is a number.",
                max=MAX_QUERY,
            ),
        )
    svc = services_of(request)

    def build() -> dict[str, Any]:
        start = (number - 1) * PAGE
        if query:
            found = matches(svc, query)
            total = len(found)
            rows = [_row(svc, c, s) for c, s in found[start : start + PAGE]]
        else:
            claims, total = svc.hoaxes.newest(start, PAGE)
            rows = [_row(svc, c, None) for c in claims]
        pages = max(1, -(-total // PAGE))
        return {
            "query": query,
            "rows": rows,
            "total": total,
            "page": number,
            "pages": pages,
        }

    return await page(request, "hoaxes.html", build)


def _claim(request: web.Request) -> tuple[Corrections, Claim | None]:
    corrections = Corrections(Desk(services_of(request)))
    return corrections, corrections.find(request.match_info["claim"])


async def _claim_or_refusal(request: web.Request) -> tuple[Corrections, Claim] | web.Response:
    """The verdict the URL names, with its corrections; or the page that refuses it (403
    for a viewer who may not see the archive, 404 for no such verdict)."""
    if not _allowed(request):
        return await refuse(request)
    corrections, claim = await blocking(_claim, request)
    if claim is None:
        return await _missing(request)
    return corrections, claim


async def _missing(request: web.Request) -> web.Response:
    _ = (await blocking(translator, request))._
    return await notice(
        request,
        404,
        _("No such verdict"),
        _("The archive holds no verdict with that number; it may have been withdrawn."),
    )


@routes.get("/hoaks/{claim}")
async def one(request: web.Request) -> web.Response:
    """One verdict: the claim, the verdict, explanation, sources, when, its reach."""
    found_claim = await _claim_or_refusal(request)
    if isinstance(found_claim, web.Response):
        return found_claim
    corrections, claim = found_claim
    found = claim

    def build() -> dict[str, Any]:
        return {
            "claim": found,
            "at": to_datetime(found.at),
            "sources": [s for s in found.sources.splitlines() if s.strip()],
            "reach": corrections.reach(found),
            "verdicts": VERDICTS,
            "max_explanation": MAX_EXPLANATION,
            "max_sources": MAX_SOURCES,
            "corrected": request.query.get("dikoreksi") == "1",
        }

    return await page(request, "hoax.html", build)


@routes.post("/hoaks/{claim}/koreksi")
async def correct(request: web.Request) -> web.Response:
    """Correct a verdict: the residents who received it are told, as from the group."""
    found_claim = await _claim_or_refusal(request)
    if isinstance(found_claim, web.Response):
        return found_claim
    corrections, claim = found_claim
    _ = (await blocking(translator, request))._
    form = await request.post()
    verdict, explanation, sources = (
        str(form.get(k, "")) for k in ("verdict", "explanation", "sources")
    )
    explanation, sources = explanation.strip(), sources.strip()
    if verdict not in VERDICTS or not explanation:
        return await notice(
            request,
            400,
            _("The correction was not saved"),
            _("Choose a verdict and write the explanation. Nothing was sent."),
        )
    if len(explanation) > MAX_EXPLANATION or len(sources) > MAX_SOURCES:
        return await notice(
            request,
            400,
            _("The correction was not saved"),
            _(
                "The explanation is at most {explanation} characters and the sources at "
                "most {sources}. Nothing was sent.",
                explanation=MAX_EXPLANATION,
                sources=MAX_SOURCES,
            ),
        )
    viewer = viewer_of_request(request)
    svc = services_of(request)
    found = claim

    def apply() -> None:
        corrections.correct(found, verdict, explanation, sources, str(viewer.who), svc.clock.now())

    await blocking(apply)
    return see_other(f"/console/hoaks/{quote(found.id)}?dikoreksi=1")


@routes.post("/hoaks/{claim}/tarik")
async def withdraw(request: web.Request) -> web.Response:
    """Withdraw a verdict (the box must be ticked): it leaves the archive; everyone who
    received it is told."""
    found_claim = await _claim_or_refusal(request)
    if isinstance(found_claim, web.Response):
        return found_claim
    corrections, claim = found_claim
    _ = (await blocking(translator, request))._
    form = await request.post()
    if form.get("confirm") != "1":
        return await notice(
            request,
            400,
            _("Nothing was withdrawn"),
            _("Tick the box to confirm the withdrawal, then press the button again."),
        )
    viewer = viewer_of_request(request)
    await blocking(corrections.withdraw, claim, str(viewer.who))
    return await notice(
        request,
        200,
        _("Verdict withdrawn"),
        _(
            "{id} left the archive. Everyone who received it is being told; the staff "
            "group gets the count when they all are.",
            id=claim.id,
        ),
    )
