"""The targets table: each document's targets and results (domain.targets), stated again whenever its
text changes (storage.grouping calls `state_targets`), rebuilt for the whole archive by `rebuild` after
an extraction change (`scrapy targets --rebuild`), and read through the view `reader_targets`."""
from __future__ import annotations

import time
from typing import cast

from sqlalchemy import Table, delete, func, insert, select, text

from domain import targets as extraction
from storage.models import Document, Target

# The columns of a target record as readers get it (scrapy targets, the browser), in this order.
COLUMNS = ("key", "region_code", "region_name", "year", "kind", "indicator", "value_low", "value_high", "unit",
           "modifier", "wording", "sentence", "paragraph", "status", "official_url")


def state_targets(session, document: Document, fresh: bool = False) -> int:
    """Replace a document's targets with those its text states now (`fresh`: a document just made,
    which has none yet); how many."""
    if not fresh:
        session.execute(delete(Target).where(Target.document_id == document.id))
    rows = _rows(document.id, document.text, document.year)
    if rows:
        # The table's own insert, not the ORM's bulk insert: this runs under the write lock, for every report.
        session.execute(insert(cast(Table, Target.__table__)), rows)
    return len(rows)


def _rows(document_id: int, text_: str, year: int | None) -> list[dict]:
    rows = []
    for statement in extraction.statements_of(text_, year):
        record = statement.as_record()
        value_year = None if year is None else (year if statement.kind == extraction.TARGET else year - 1)
        rows.append({**record, "document_id": document_id, "year": value_year})
    return rows


def rebuild(archive, batch: int = 500) -> tuple[int, int, float]:
    """Every document's targets derived again: (documents, rows, seconds)."""
    started = time.perf_counter()
    documents = rows = 0
    with archive.session() as session:
        session.execute(delete(Target))
        last_id = 0
        while True:
            chunk = session.execute(select(Document.id, Document.text, Document.year).where(Document.id > last_id)
                                    .order_by(Document.id).limit(batch)).all()
            if not chunk:
                break
            values = [row for document_id, text_, year in chunk for row in _rows(document_id, text_, year)]
            if values:
                session.execute(insert(Target), values)
            documents += len(chunk)
            rows += len(values)
            last_id = chunk[-1][0]
        session.commit()
    return documents, rows, time.perf_counter() - started


def count(session) -> int:
    return session.execute(select(func.count()).select_from(Target)).scalar_one()


def query(session, region_codes: set[str] | None = None, year: int | None = None, indicator: str | None = None,
          kind: str | None = None) -> list[dict]:
    """Target records from `reader_targets`, by region, year (the year the value is for), indicator and kind;
    in region, year, kind, indicator order."""
    clauses: list[str] = []
    parameters: dict[str, object] = {}
    if region_codes is not None:
        names = [f":r{i}" for i in range(len(region_codes))]
        clauses.append(f"region_code IN ({', '.join(names) or 'NULL'})")
        parameters.update({f"r{i}": code for i, code in enumerate(sorted(region_codes))})
    for name, value in (("year", year), ("indicator", indicator), ("kind", kind)):
        if value is not None:
            clauses.append(f"{name} = :{name}")
            parameters[name] = value
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    order = {name: i for i, name in enumerate(i.name for i in extraction.INDICATORS)}
    rows = session.execute(text(f"SELECT document_key AS key, * FROM reader_targets {where} "
                                "ORDER BY region_code, year, kind DESC, id"), parameters).mappings().all()
    records = [{column: row[column] for column in COLUMNS} for row in rows]
    return sorted(records, key=lambda r: (r["region_code"] or "", r["year"] or 0, r["kind"] != "target",
                                         order.get(r["indicator"], 99)))


def plot_targets(records: list[dict], indicator: str) -> bytes:
    """One indicator's targets (a bar from low to high value, a marker at a point) and results (a line) by
    region over the years, as a PNG image. Regions are labelled by division code (the machine may have no
    CJK font to draw names with)."""
    import io

    import matplotlib

    matplotlib.use("Agg")  # no screen: draw to a file
    import matplotlib.pyplot as plt

    chosen = [r for r in records if r["indicator"] == indicator and r["year"] is not None and r["value_low"] is not None]
    regions = sorted({r["region_code"] or "?" for r in chosen})
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    colours = plt.get_cmap("tab10")
    for n, region in enumerate(regions[:20]):
        colour = colours(n % 10)
        targets = sorted((r["year"], r["value_low"], r["value_high"]) for r in chosen
                         if r["region_code"] == region and r["kind"] == extraction.TARGET)
        outcomes = sorted((r["year"], r["value_low"]) for r in chosen
                          if r["region_code"] == region and r["kind"] == extraction.OUTCOME)
        for year, low, high in targets:
            axes.plot([year, year], [low, high if high is not None else low], color=colour, linewidth=6, alpha=0.35)
        if targets:
            axes.plot([t[0] for t in targets], [t[1] for t in targets], "o", color=colour, alpha=0.6,
                      label=f"{region} target")
        if outcomes:
            axes.plot([o[0] for o in outcomes], [o[1] for o in outcomes], "-x", color=colour, label=f"{region} result")
    unit = next((r["unit"] for r in chosen if r["unit"]), "")
    axes.set_title(f"{indicator}: targets (bars: low to high) and results, by region", fontsize=10)
    axes.set_xlabel("year")
    axes.set_ylabel(unit or "value")
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if regions:
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    else:
        axes.text(0.5, 0.5, "no values for this indicator", ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    plt.close(figure)
    return out.getvalue()
