"""The Datasette plugin of `scrapy browse`: routes for search, a document's page with its provenance,
WARC record downloads and the coverage picture; links from every document key to its page. The data
comes from the same functions as the command line (storage.search, storage.export, storage.coverage_plot)
over a read-only connection."""
from __future__ import annotations

import asyncio
from functools import lru_cache
from urllib.parse import quote, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from domain.regions import RegionError, default_registry
from storage.export import history_urls, iter_documents, url_history
from storage.integrity import read_stored_record
from storage.models import Capture

PLUGIN = "govreports-browse"

MAX_ID = 2**63 - 1  # the largest id a row of SQLite or PostgreSQL can have


@lru_cache(maxsize=4)
def _engine(archive_path: str):
    # Read-only: the browser never writes, and a crawl may be writing beside it.
    return create_engine(f"sqlite:///file:{archive_path}?mode=ro&uri=true")


def _config(datasette) -> dict:
    return datasette.plugin_config(PLUGIN) or {}


async def _in_thread(datasette, work):
    config = _config(datasette)

    def run():
        with Session(_engine(config["archive_path"])) as session:
            return work(session, config)
    return await asyncio.to_thread(run)


@hookimpl
def register_routes():
    return [
        (r"^/-/search$", search_page),
        (r"^/-/document/(?P<key>[^/]+)$", document_page),
        (r"^/-/warc/(?P<capture_id>\d+)$", warc_record),
        (r"^/-/coverage$", coverage_page),
        (r"^/-/coverage\.png$", coverage_png),
        (r"^/-/targets$", targets_page),
        (r"^/-/targets\.png$", targets_png),
    ]


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path("/-/search"), "label": "Search the reports"},
            {"href": datasette.urls.path("/-/coverage"), "label": "Coverage by region and year"},
            {"href": datasette.urls.path("/-/targets"), "label": "Targets and results"}]


@hookimpl
def render_cell(value, column):
    # Every document key, wherever it shows (views, canned queries), leads to the document's page.
    if column in ("key", "document_key") and isinstance(value, str) and value:
        return Markup(f'<a href="/-/document/{quote(value)}">{escape(value)}</a>')
    return None


async def search_page(datasette, request):
    from domain.search import RANK_LIMIT
    from storage.search import search

    query = request.args.get("q", "").strip()
    region = request.args.get("region", "").strip()
    year = request.args.get("year", "").strip()
    page = int(request.args.get("page", "1")) if request.args.get("page", "1").isdigit() else 1
    page = max(1, min(page, 10_000))
    exact = request.args.get("count") == "all"
    context = {"q": query, "region": region, "year": year, "result": None, "error": None, "page": page,
               "per_page": SEARCH_PAGE, "exact": exact}
    if query:
        def work(session, config):
            codes = {r.code for r in default_registry().resolve_list(region)} if region else None
            return search(session, query, codes, int(year) if year.isdigit() and len(year) <= 4 else None,
                          limit=SEARCH_PAGE, offset=(page - 1) * SEARCH_PAGE, exact_count=exact,
                          rank_limit=int(config.get("search_rank_limit", RANK_LIMIT)))
        try:
            result = await _in_thread(datasette, work)
            context["result"] = result
            context["pages"] = -(-result.ranked // SEARCH_PAGE)
            context["link"] = lambda **changes: "/-/search?" + urlencode(
                {"q": query, "region": region, "year": year, "page": page} | ({"count": "all"} if exact else {}) | changes)
        except (ValueError, RegionError) as exc:
            context["error"] = str(exc)
    return Response.html(await datasette.render_template("govreports_search.html", context, request=request))


SEARCH_PAGE = 50  # hits on a page of the browser's search


async def document_page(datasette, request):
    key = request.url_vars["key"]

    def work(session, _config):
        found = next(iter_documents(session, default_registry(), keys=[key]), None)
        return (found, url_history(session, history_urls(found))) if found is not None else (None, [])
    record, history = await _in_thread(datasette, work)
    if record is None:
        return Response.html(f"<h1>No document {escape(key)}</h1>", status=404)
    paragraphs = record["text"].split("\n")
    return Response.html(await datasette.render_template(
        "govreports_document.html", {"document": record, "paragraphs": paragraphs, "history": history}, request=request))


async def warc_record(datasette, request):
    capture_id = int(request.url_vars["capture_id"])
    if capture_id > MAX_ID:  # no row can have it (and SQLite cannot even be asked)
        return Response.text(f"capture {capture_id} has no WARC record", status=404)

    def work(session, config):
        capture = session.get(Capture, capture_id)
        if capture is None or not capture.warc_file or capture.warc_length is None:
            return None
        # Exactly the record's bytes, checked whole (storage.integrity): a record cut short is an
        # integrity failure, never an empty or partial download that looks like one.
        return capture.warc_file, read_stored_record(config["warc_dir"], capture.warc_file, capture.warc_offset,
                                                     capture.warc_length)
    try:
        found = await _in_thread(datasette, work)
    except FileNotFoundError as exc:
        return Response.text(f"integrity failure: WARC file missing: {exc.filename or exc}", status=404)
    except (OSError, ValueError) as exc:
        return Response.text(f"integrity failure: WARC record unreadable: {exc}", status=500)
    if found is None:
        return Response.text(f"capture {capture_id} has no WARC record", status=404)
    file, record = found
    name = f"capture-{capture_id}.warc.gz"
    return Response(record, content_type="application/warc", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-WARC-File": file})


async def coverage_page(datasette, request):
    region = request.args.get("region", "")
    image = datasette.urls.path("/-/coverage.png") + (f"?{urlencode({'region': region})}" if region else "")
    return Response.html(await datasette.render_template(
        "govreports_coverage.html", {"image": image, "region": region}, request=request))


async def coverage_png(datasette, request):
    from storage.coverage_plot import coverage_grid, plot_coverage

    region = request.args.get("region", "").strip()

    def work(session, _config):
        regions = default_registry()
        codes = {r.code for r in regions.resolve_list(region)} if region else None
        return plot_coverage(coverage_grid(session, regions, codes))
    try:
        png = await _in_thread(datasette, work)
    except RegionError as exc:
        return Response.text(str(exc), status=400)
    return Response(png, content_type="image/png")


def _target_records(session, region: str, indicator: str | None):
    from storage.targets import query

    codes = {r.code for r in default_registry().resolve_list(region)} if region else None
    return query(session, codes, indicator=indicator or None)


async def targets_page(datasette, request):
    """A region's targets and results over the years, indicator by indicator, beside their sentences."""
    from domain.targets import BY_NAME

    region = request.args.get("region", "").strip()
    indicator = request.args.get("indicator", "gdp_growth").strip()
    if indicator not in BY_NAME:
        return Response.text(f"no indicator {indicator!r}; one of: " + ", ".join(BY_NAME), status=400)
    try:
        records = await _in_thread(datasette, lambda session, _config: _target_records(session, region, indicator))
    except RegionError as exc:
        return Response.text(str(exc), status=400)
    image = datasette.urls.path("/-/targets.png") + "?" + urlencode({"region": region, "indicator": indicator})
    return Response.html(await datasette.render_template(
        "govreports_targets.html", {"records": records[:500], "total": len(records), "region": region,
                                    "indicator": indicator, "indicators": list(BY_NAME), "image": image},
        request=request))


async def targets_png(datasette, request):
    from storage.targets import plot_targets

    region = request.args.get("region", "").strip()
    indicator = request.args.get("indicator", "gdp_growth").strip()
    try:
        png = await _in_thread(datasette, lambda session, _config: plot_targets(
            _target_records(session, region, indicator), indicator))
    except RegionError as exc:
        return Response.text(str(exc), status=400)
    return Response(png, content_type="image/png")
