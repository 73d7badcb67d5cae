"""The audit's coverage as a picture: regions (rows) by years (columns), each cell coloured by what the
archive holds for it (reader_coverage: official, unverified, mirror_only, missing). With more than
MAX_ROWS regions, rows are provinces and a cell is the share of its regions whose report is held from
an official source. Rows are labelled by division code (the machine has no CJK font to draw names with);
`scrapy audit --plot FILE` writes it, and the browser shows it at /-/coverage."""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy import text

HELD = ("official", "unverified", "mirror_only", "missing", "before first report")
COLOURS = {"official": "#2e7d32", "unverified": "#f9a825", "mirror_only": "#ef6c00", "missing": "#c62828",
           "before first report": "#f5f5f5"}
MAX_ROWS = 120


@dataclass
class CoverageGrid:
    rows: list[str]  # row labels: region codes, or province codes when aggregated
    years: list[int]
    cells: dict[tuple[str, int], str | float] = field(default_factory=dict)  # held_from, or a share 0–1
    by_province: bool = False


def coverage_grid(session, regions, region_codes: set[str] | None = None) -> CoverageGrid:
    rows = session.execute(text("SELECT region_code, year, held_from FROM reader_coverage")).all()
    rows = [row for row in rows if region_codes is None or row[0] in region_codes]
    years = sorted({year for _code, year, _held in rows})
    codes = sorted({code for code, _year, _held in rows})
    if len(codes) <= MAX_ROWS:
        return CoverageGrid(codes, years, {(code, year): held for code, year, held in rows})
    totals: dict[tuple[str, int], list[int]] = {}
    for code, year, held in rows:
        cell = totals.setdefault((code[:2] + "0000", year), [0, 0])
        cell[0] += held == "official"
        cell[1] += 1
    provinces = sorted({province for province, _year in totals})
    return CoverageGrid(provinces, years, {key: official / count for key, (official, count) in totals.items()},
                        by_province=True)


def plot_coverage(grid: CoverageGrid) -> bytes:
    """The grid as a PNG image."""
    import matplotlib

    matplotlib.use("Agg")  # no screen: draw to a file
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    height = max(2.0, 0.22 * len(grid.rows) + 1.2)
    figure, axes = plt.subplots(figsize=(max(4.0, 0.45 * len(grid.years) + 2.5), height), dpi=100)
    if grid.by_province:
        values = [[grid.cells.get((row, year), 0.0) for year in grid.years] for row in grid.rows]
        image = axes.imshow(values, cmap="Greens", vmin=0, vmax=1, aspect="auto")
        figure.colorbar(image, ax=axes, label="share of regions held from an official source")
    else:
        index = {held: n for n, held in enumerate(HELD)}
        values = [[index[str(grid.cells.get((row, year), "before first report"))] for year in grid.years]
                  for row in grid.rows]
        axes.imshow(values, cmap=ListedColormap([COLOURS[h] for h in HELD]), vmin=0, vmax=len(HELD) - 1,
                    aspect="auto", interpolation="nearest")
        axes.legend(handles=[Patch(color=COLOURS[h], label=h) for h in HELD], loc="upper left",
                    bbox_to_anchor=(1.01, 1), fontsize=8)
    axes.set_xticks(range(len(grid.years)), [str(year) for year in grid.years], rotation=90, fontsize=8)
    axes.set_yticks(range(len(grid.rows)), grid.rows, fontsize=7)
    axes.set_title("Reports held, by " + ("province" if grid.by_province else "region") + " and year", fontsize=10)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    plt.close(figure)
    return out.getvalue()
