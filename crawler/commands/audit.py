"""`scrapy audit [--region R] [--format table|csv|json] [--fail-on CONDITIONS]`: the archive's state
per region and year, for archivists and scheduled jobs."""
import csv
import json
import sys
from pathlib import Path

from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.commands import open_archive, pad, region_codes
from domain.vocabulary import SITE_KINDS
from storage.atomic import atomic_paths
from storage.audit import CONDITIONS, as_dicts, audit, failing, integrity_rows


class Command(ProjectCommand):
    positional = (0, 0)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "[--region REGION] [--format table|csv|json] [--plot FILE.png] [--fail-on mirror_only,conflict,…]"

    def short_desc(self):
        return "Per region and year: status, official URL, captures by kind, verification, and gaps"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--region", help="only this region and the regions under it")
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
        parser.add_argument("--plot", metavar="FILE",
                            help="also draw the coverage (regions by years, by what is held) as a PNG image")
        parser.add_argument("--fail-on", default="", metavar="CONDITIONS",
                            help=f"exit 1 when any of these is present: {', '.join(CONDITIONS)}")

    def main(self, args, opts):
        conditions = {c.strip() for c in opts.fail_on.split(",") if c.strip()}
        unknown = conditions - set(CONDITIONS)
        if unknown:
            raise UsageError(f"unknown --fail-on conditions {sorted(unknown)}; known: {', '.join(CONDITIONS)}",
                             print_help=False)
        archive = open_archive(self.settings, must_exist=True)
        codes = region_codes(archive, opts.region)
        with archive.read_session() as session:
            rows = audit(session, archive.regions, codes)
            if "integrity" in conditions:
                def progress(checked: int, total: int) -> None:
                    print(f"integrity: {checked} of {total} WARC records read and digested", file=sys.stderr)
                rows += integrity_rows(session, archive.regions, archive.warc_dir, codes, progress)
            if opts.plot:
                from storage.coverage_plot import coverage_grid, plot_coverage
                picture = plot_coverage(coverage_grid(session, archive.regions, codes))
                with atomic_paths(Path(opts.plot)) as (partial,):
                    partial.write_bytes(picture)
                print(f"coverage drawn in {opts.plot}", file=sys.stderr)
        archive.close()
        if opts.format == "json":
            json.dump(as_dicts(rows), sys.stdout, ensure_ascii=False, indent=1)
            print()
        elif opts.format == "csv":
            writer = csv.writer(sys.stdout)
            writer.writerow(["region_code", "region_name", "year", "status", "key", "document_id", "official_url",
                             "official_via", *SITE_KINDS, "last_verification", "platform", "note"])
            for r in rows:
                writer.writerow([r.region_code, r.region_name, r.year, r.status, r.key, r.document_id, r.official_url,
                                 r.official_via, *(r.captures.get(k, 0) for k in SITE_KINDS), r.last_verification, r.platform,
                                 r.note])
        else:
            print(f"{pad('region', 10)} {'code':<7} {'year':<5} {'status':<12} {'document':<12} "
                  f"{'off':>3} {'gov':>3} {'mir':>3} {'oth':>3}  {'verified':<14} {'platform':<8} {'witness':<11} official URL / note")
            for r in rows:
                counts = " ".join(f"{r.captures.get(k, 0):>3}" for k in SITE_KINDS)
                print(f"{pad(r.region_name or '-', 10)} {r.region_code or '-':<7} {r.year or '-'!s:<5} "
                      f"{r.status:<12} {r.key or '-':<12} {counts}  {r.last_verification or '-':<14} "
                      f"{r.platform or '-':<8} {r.official_via or '-':<11} {r.official_url or r.note or ''}")
        hits = failing(rows, conditions)
        if hits:
            print(f"audit: {len(hits)} rows meet --fail-on {','.join(sorted(conditions))}", file=sys.stderr)
            self.exitcode = 1
