# The two commands: `make demo` and `make test`. Both create the environment first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# pywb in a virtualenv of its own (tools/pywb-requirements.txt: its pins clash with scrapy-redis's).
PYWB := .venv-pywb
REGION ?= 华东
# The suite on every core, each test file on one worker (its module's fixtures made once): most tests wait
# on scrapy subprocesses and the farm. `make test PYTEST_WORKERS=` runs it in one process.
PYTEST_WORKERS ?= -n auto --dist loadfile

.PHONY: venv pywb demo test docs docs-serve crawl export bench bench-check eval migrate clean browse browser fonts tesseract

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# pywb, for the test that replays an exported WACZ as an archivist's replay server would.
pywb: $(PYWB)/.installed

$(PYWB)/.installed: tools/pywb-requirements.txt
	$(PYTHON) -m venv $(PYWB)
	$(PYWB)/bin/pip install --quiet --disable-pip-version-check -r tools/pywb-requirements.txt
	touch $@

demo: venv
	$(BIN)/python -m farm.demo

# The archive in a browser (read-only, loopback): the demo's archive unless ARCHIVE_DB says another.
browse: venv
	ARCHIVE_DB=$${ARCHIVE_DB:-demo/archive.sqlite} $(BIN)/scrapy browse

# Debian's Chromium for the browser tests (tests/test_browse.py); they skip, saying so, where it cannot be had.
browser:
	@command -v chromium >/dev/null 2>&1 || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
	  || (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1)) \
	  || echo "no Chromium (apt-get install chromium needs root and Debian's registry): the browser tests will skip"

# Debian's Noto CJK fonts: the farm's scans are set in Noto Serif CJK SC (farm/scans.py); without them the
# scan tests skip, saying so.
fonts:
	@test -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 \
	  || (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1)) \
	  || echo "no fonts-noto-cjk (apt-get needs root and Debian's registry): the scan tests will skip"

# Tesseract with chi_sim, the OCR engine bench/ocr_engines.py measures rapidocr against (and the fallback
# where rapidocr cannot be installed).
tesseract:
	@command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -q chi_sim \
	  || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-chi-sim >/dev/null 2>&1 \
	  || echo "no tesseract-ocr-chi-sim (apt-get needs root and Debian's registry): it is left out of the OCR benchmark"

test: venv pywb browser fonts
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/python scripts/docs_reference.py --check
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $$(mktemp -d)
	$(BIN)/python -m pytest -q $(PYTEST_WORKERS)

# The documentation site: the references are written from the code first (scripts/docs_reference.py).
docs: venv
	$(BIN)/python scripts/docs_reference.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# Crawl the real portals (needs the internet); resumable: rerun the same command after an interruption,
# whatever ended it (Ctrl-C, kill -9, a reboot). The archive is the resume state: no JOBDIR is needed.
crawl: venv
	$(BIN)/scrapy crawl portals -a region=$(REGION)

export: venv
	$(BIN)/scrapy export -o exports/reports.jsonl

migrate: venv
	$(BIN)/alembic upgrade head

# Every benchmark's figure beside its target, at sizes of a minute or less each (bench/check.py).
bench-check: venv
	$(BIN)/python bench/check.py

bench: venv
	$(BIN)/python bench/crawl_overhead.py
	$(BIN)/python bench/warc_overhead.py
	$(BIN)/python bench/document_captures.py
	$(BIN)/python bench/attachment_extraction.py
	$(BIN)/python bench/broad_crawl.py --sizes 1 50 200
	$(BIN)/python bench/dedup_scaling.py
	$(BIN)/python bench/warc_import.py
	$(BIN)/python bench/wayback_backfill.py
	$(BIN)/python bench/targets_rebuild.py
	$(BIN)/python bench/write_traffic.py
	$(BIN)/python bench/search_index_writes.py

# Evaluation on the real report texts in ../shared/corpora (skipped when absent).
eval: venv fonts tesseract
	$(BIN)/python bench/ocr_engines.py
	$(BIN)/python bench/eval_targets.py
	$(BIN)/python bench/eval_metadata.py
	$(BIN)/python bench/eval_grouping.py
	$(BIN)/python bench/eval_report_shape.py
	$(BIN)/python bench/eval_word97.py

clean:
	rm -rf demo crawls exports .pytest_cache build dist *.egg-info
