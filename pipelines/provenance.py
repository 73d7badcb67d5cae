"""Stage 3½: judge the capture's site kind again, now that the page's claims and the report's region
are known (crawler.provenance.classify). Written to the capture with the document placement."""
from __future__ import annotations

from crawler.provenance import classify
from pipelines import ArchiveStage


def judge_provenance(item, registry, regions) -> None:
    item.site_kind, _portal, item.evidence = classify(
        item.final_url, registry, regions, requested_url=item.requested_url, region_code=item.region_code,
        page=item.page)


class ProvenancePipeline(ArchiveStage):
    def process_item(self, item):
        if item.extraction_status == "ok":
            judge_provenance(item, self.registry, self.regions)
            self.stats.inc_value(f"provenance/{item.site_kind}")
            if item.evidence.get("conflicts"):
                self.stats.inc_value("provenance/conflicting_evidence")
        return item
