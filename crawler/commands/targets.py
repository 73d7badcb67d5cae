"""`scrapy targets [--region R] [--year Y] [--indicator I] [--kind target|outcome]
[--format table|csv|json|parquet] [-o FILE] [--plot FILE] [--rebuild]`: the targets the reports set for
their year and the results they state for the year before (domain.targets), each with the sentence of
the archived report it was read from. `--rebuild` derives every document's targets again (after an
extraction change, or once after upgrading an archive that held documents before migration 0017)."""
import json
import sys
from pathlib import Path

from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.commands import open_archive, pad, print_records, region_codes
from domain.targets import BY_NAME, MODIFIERS
from storage.targets import COLUMNS, count, plot_targets, query, rebuild

SHOWN = {"about": "{low:g}{unit}左右", "at_least": "≥{low:g}{unit}", "at_most": "≤{low:g}{unit}",
         "range": "{low:g}–{high:g}{unit}", "point": "{low:g}{unit}", "qualitative": "(qualitative)"}


class Command(ProjectCommand):
    positional = (0, 0)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return ("[--region R] [--year Y] [--indicator I] [--kind target|outcome] [--format table|csv|json|parquet] "
                "[-o FILE] [--plot FILE] [--rebuild]")

    def short_desc(self):
        return "The targets the reports set and the results they state, each with its sentence"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--region", help="only this region and the regions under it")
        parser.add_argument("--year", type=int, help="only values for this year (a target of the year's report, "
                                                     "a result in the next year's)")
        parser.add_argument("--indicator", choices=sorted(BY_NAME), metavar="INDICATOR",
                            help="only this indicator (" + ", ".join(BY_NAME) + ")")
        parser.add_argument("--kind", choices=("target", "outcome"))
        parser.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table")
        parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (parquet needs one)")
        parser.add_argument("--plot", metavar="FILE", help="a PNG of the indicator's targets and results by region "
                                                          "over the years (with --indicator)")
        parser.add_argument("--rebuild", action="store_true", help="derive every document's targets again first")

    def main(self, args, opts):
        if opts.plot and not opts.indicator:
            raise UsageError("--plot draws one indicator: give --indicator (e.g. --indicator gdp_growth)",
                             print_help=False)
        if opts.format == "parquet" and not opts.output:
            raise UsageError("--format parquet writes a file: give -o FILE", print_help=False)
        archive = open_archive(self.settings, must_exist=True)
        try:
            if opts.rebuild:
                documents, rows, seconds = rebuild(archive)
                print(f"targets rebuilt: {rows} records from {documents} documents in {seconds:.1f} s", file=sys.stderr)
            codes = region_codes(archive, opts.region)
            with archive.session() as session:
                if not count(session) and not opts.rebuild:
                    print("no targets stored: an archive from before migration 0017 needs `scrapy targets --rebuild` "
                          "once", file=sys.stderr)
                records = query(session, codes, opts.year, opts.indicator, opts.kind)
        finally:
            archive.close()
        if opts.plot:
            Path(opts.plot).write_bytes(plot_targets(records, opts.indicator))
            print(f"plot written to {opts.plot}", file=sys.stderr)
            return
        if opts.format == "parquet":
            _write_parquet(records, Path(opts.output))
            print(f"{len(records)} records written to {opts.output}", file=sys.stderr)
            return
        out = open(opts.output, "w", encoding="utf-8", newline="") if opts.output else sys.stdout  # noqa: SIM115
        try:
            if opts.format == "json":
                json.dump(records, out, ensure_ascii=False, indent=1)
                out.write("\n")
            elif opts.format == "csv":
                if out is sys.stdout:
                    print_records(records, list(COLUMNS), "csv")
                else:
                    import csv

                    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
                    writer.writeheader()
                    writer.writerows(records)
            else:
                _table(records, out)
        finally:
            if out is not sys.stdout:
                out.close()
        if not records:
            self.exitcode = 1


def _table(records, out) -> None:
    print(f"{'key':<14} {pad('region', 10)} {'year':<5} {'kind':<8} {'indicator':<30} {'value':<16} sentence", file=out)
    for r in records:
        value = SHOWN[r["modifier"]].format(low=r["value_low"] or 0, high=r["value_high"] or 0, unit=r["unit"] or "")
        sentence = r["sentence"] if len(r["sentence"]) <= 40 else r["sentence"][:39] + "…"
        print(f"{r['key'] or '-':<14} {pad(r['region_name'] or '-', 10)} {r['year'] or '-'!s:<5} {r['kind']:<8} "
              f"{r['indicator']:<30} {pad(value, 16)} {sentence}", file=out)


def _write_parquet(records, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"year": pa.int32(), "value_low": pa.float64(), "value_high": pa.float64(), "paragraph": pa.int32()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in COLUMNS])
    pq.write_table(pa.Table.from_pylist(records, schema=schema), path)


assert set(SHOWN) == set(MODIFIERS)
