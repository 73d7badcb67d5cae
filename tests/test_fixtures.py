"""Saved pages replayed, the web-poet way: every fixture folder under tests/fixtures/ (written by
`scrapy extract URL --save DIR`) gives, field by field, the output it was saved with; and the real
government pages in ../shared/corpora/gov_pages/ (when present) give the expected fields in
tests/gov_pages_expected.json (their text as a digest: the pages are not copied into the project)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from domain.derive import page_of
from domain.fetch import Fetch, utc_now
from domain.fixtures import INFO, extraction_output, load_fixture
from tests.conftest import SHARED

FIXTURES = Path(__file__).parent / "fixtures"
GOV_PAGES = SHARED / "corpora" / "gov_pages"
GOV_EXPECTED = json.loads((Path(__file__).parent / "gov_pages_expected.json").read_text(encoding="utf-8"))


def replay(folder: Path) -> tuple[dict, dict]:
    fetch, selectors, expected = load_fixture(folder)
    return extraction_output(fetch, page_of(fetch, selectors=selectors)), expected


def fixture_fields():
    for folder in sorted(path.parent for path in FIXTURES.glob(f"*/{INFO}")):
        for field in json.loads((folder / "output.json").read_text(encoding="utf-8")):
            yield pytest.param(folder, field, id=f"{folder.name}-{field}")


@pytest.mark.parametrize("folder, field", list(fixture_fields()))
def test_a_saved_page_gives_the_output_it_was_saved_with(folder, field):
    actual, expected = replay(folder)
    assert actual[field] == expected[field]


def test_there_are_fixtures_for_every_template_family_of_the_farm():
    names = {path.parent.name for path in FIXTURES.glob(f"*/{INFO}")}
    assert {"tl_gov_cn_trs_2023", "chizhou_gov_cn_hanweb_gb18030", "fujian_gov_cn_ucap_gzip",
            "jiangxi_gov_cn_unknown_template", "gongzuobaogao_mirror_excerpt", "tl_gov_cn_soft_404",
            "gd_gov_cn_gkmlpt_detail_2024", "ahsz_gov_cn_pdf_2024", "ahsz_gov_cn_docx_2023", "wuhu_gov_cn_https_2024"} <= names


def gov_page_fields():
    for name, expected in GOV_EXPECTED.items():
        for field in expected:
            yield pytest.param(name, field, id=f"{name}-{field}")


@pytest.mark.skipif(not GOV_PAGES.is_dir(), reason="../shared/corpora/gov_pages is absent")
@pytest.mark.parametrize("name, field", list(gov_page_fields()))
def test_a_real_government_page_gives_its_expected_field(name, field):
    url = f"http://example.gov.cn/{name}"
    fetch = Fetch(url, url, None, {}, (GOV_PAGES / name).read_bytes(), utc_now())
    actual = extraction_output(fetch, page_of(fetch))
    paragraphs = actual.pop("paragraphs")
    actual["paragraphs_sha256"] = hashlib.sha256("\n".join(paragraphs).encode()).hexdigest()
    actual["paragraph_count"] = len(paragraphs)
    actual["meta_names"] = sorted(actual.pop("meta"))
    assert actual[field] == GOV_EXPECTED[name][field]


def test_extract_saves_a_fixture_that_replays(farm, tmp_path):
    from tests.conftest import ROOT, scrapy
    folder = tmp_path / "saved"
    run = scrapy("extract", "http://www.tl.gov.cn/zwgk/zfgzbg/202401/t20240108_3524.html", "--save", str(folder),
                 proxy=farm.proxy_url, portals=ROOT / "farm" / "portals.toml")
    assert run.returncode == 0, run.stderr
    printed = json.loads(run.stdout)
    actual, expected = replay(folder)
    assert printed == expected == actual
    assert printed["is_report"] and printed["year"] == 2024
