"""A larger farm for benchmarks: PORTALS TRS portals under the real hosts of East China prefectures,
each with REPORTS reports behind a paginated column."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from domain.portals import load_registry
from domain.regions import default_registry
from farm import documents, templates
from farm.sites import ROBOTS_ALLOW_ALL, Farm
from farm.texts import make_report

PER_LISTING_PAGE = 20


def build_bench_farm(portals: int, reports: int, pdf_every: int = 0, https_every: int = 0,
                     area: str | None = "华东") -> tuple[Farm, str]:
    """(farm, portal registry TOML text). With `pdf_every` N, every N-th report is published as a PDF
    linked from the listing instead of as a page; with `https_every` M, every M-th portal is served over
    https only (its registry address, http://, redirects there). The portals are prefecture-level ones of
    `area`, or with `area=None` any of the registry's, in code order (for hundreds of portals)."""
    regions = default_registry()
    chosen = [p for p in load_registry().portals if p.code != "000000" and (area is None or (
        regions.get(p.code).level == "prefecture" and regions.get(p.code).area == area))][:portals]
    farm, toml = Farm(), []
    for portal in chosen:
        host = portal.hosts[0]
        name = regions.get(portal.code).name
        scheme = "https" if https_every and chosen.index(portal) % https_every == 0 else "http"
        base = f"{scheme}://{host}"
        site = dict(site_name=f"{name}人民政府", domain=host, site_code=portal.code + "0001", column="政府工作报告",
                    icp="ICP备00000000号", police="公网安备 00000000000000号")
        farm.page(f"{base}/robots.txt", ROBOTS_ALLOW_ALL, content_type="text/plain")
        farm.page(f"{base}/", templates.home(site_name=site["site_name"], links=[("/zwgk/", "政务公开")]))
        farm.page(f"{base}/zwgk/", templates.home(site_name=site["site_name"], links=[("/zwgk/zfgzbg/", "政府工作报告")]))
        items = []
        for n in range(reports):
            year = 2024 - n
            delivered = dt.date(year, 1, 10)
            report = make_report(name, year, delivered, "某某某", seed=n)
            url = f"{base}/zwgk/zfgzbg/{year}01/t{year}0110_{n}.html"
            if pdf_every and n % pdf_every == 0:
                url = f"{base}/zwgk/zfgzbg/{year}01/P0{year}0110{n:012d}.pdf"
                farm.raw(url, 200, (("Content-Type", "application/pdf"),), documents.report_pdf(
                    f"{year}年{name}政府工作报告", [report.delivery_line, *report.paragraphs]))
            else:
                farm.page(url, templates.trs_article(title=f"{year}年{name}政府工作报告", pubdate=f"{delivered}",
                                                     source="市政府办公室",
                                                     paragraphs=[report.delivery_line, *report.paragraphs], **site))
            items.append((url.removeprefix(base), f"{year}年{name}政府工作报告", f"{delivered}"))
        pages = [items[i:i + PER_LISTING_PAGE] for i in range(0, len(items), PER_LISTING_PAGE)] or [[]]
        for index, chunk in enumerate(pages):
            path = "/zwgk/zfgzbg/" if index == 0 else f"/zwgk/zfgzbg/index_{index}.html"
            farm.page(base + path, templates.listing(
                site_name=site["site_name"], title="政府工作报告", items=chunk,
                pager=f'<script>createPageHTML({len(pages)}, {index}, "index", "html");</script>'))
        toml.append(f'[[portal]]\ncode = "{portal.code}"\nurl = "http://{host}/"\n')
    return farm, "\n".join(toml)


def write_registry(text: str, folder: Path) -> Path:
    path = folder / "portals.toml"
    path.write_text(text, encoding="utf-8")
    return path


def crawl_env(server, registry: Path, folder: Path, label: str = "bench") -> dict:
    """The environment of a benchmark crawl: the farm as proxy, its registry, a fresh archive and WARC dir."""
    import os
    return {**os.environ, "http_proxy": server.proxy_url, "PORTALS_FILE": str(registry),
            "ARCHIVE_DB": f"sqlite:///{folder / f'{label}.sqlite'}", "WARC_DIR": str(folder / f"warcs-{label}")}


def parse_farm_args(description: str):
    """The options both crawl benchmarks take: --portals and --reports."""
    import argparse
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portals", type=int, default=20)
    parser.add_argument("--reports", type=int, default=25)
    parser.add_argument("--pdf-every", type=int, default=0, help="publish every N-th report as a PDF attachment")
    parser.add_argument("--https-every", type=int, default=0, help="serve every M-th portal over https only")
    return parser.parse_args()


def timed(command: list[str], env: dict, cwd: Path) -> float:
    """Seconds one command takes to run to completion."""
    import subprocess
    import time
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True)
    return time.perf_counter() - started


# --- the processes of a crawl, for kill tests (Linux /proc) ---
def descendants(pid: int) -> set[int]:
    """The processes `pid` started (its archive writers, multiprocessing's resource tracker), and theirs."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found |= {child, *descendants(child)}
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of `pids` still running (a zombie is not: it holds nothing but its exit status)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running
