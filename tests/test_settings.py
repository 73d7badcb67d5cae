"""Settings: every project setting has one default (crawler/settings.py) and one definition
(crawler/config.py); no component carries a default of its own; a value a setting cannot take stops the
crawl with exit 2 and one line naming it, never switching a component off in silence."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from scrapy.settings import Settings, default_settings

from crawler import settings as project_settings
from crawler.config import SETTINGS, ConfigurationError, check_settings, setting
from tests.conftest import scrapy

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["crawler", "pipelines", "storage", "browse", "domain"]


def test_every_project_setting_is_defined_once_and_has_a_default():
    ours = {name for name in vars(project_settings) if name.isupper() and not hasattr(default_settings, name)}
    ours -= {"BOT_NAME", "SPIDER_MODULES", "NEWSPIDER_MODULE", "COMMANDS_MODULE"}
    assert ours == set(SETTINGS)
    for name, spec in SETTINGS.items():
        assert spec.meaning and setting(None, name) is not None


def test_no_component_reads_a_setting_with_a_default_of_its_own():
    """`settings.getint("X", 3)` is a second default that drifts from crawler/settings.py (it did:
    ARCHIVE_WRITERS fell back to 1 where the settings said 2). Scrapy's settings always hold Scrapy's
    defaults; the project's come through crawler.config.setting."""
    names = set(SETTINGS) | {name for name in vars(default_settings) if name.isupper()}
    fallback = re.compile(r"\.get(?:int|float|bool|list|dict)?\(\s*[\"']([A-Z_]+)[\"']\s*,")
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}"
             for package in SHIPPED for path in (ROOT / package).rglob("*.py")
             if path != ROOT / "crawler" / "settings.py"  # the defaults themselves (os.environ.get)
             for match in fallback.finditer(path.read_text(encoding="utf-8")) if match.group(1) in names]
    assert found == []


@pytest.mark.parametrize("name, value, said", [
    ("ARCHIVE_WRITER", "proces", "must be one of process, thread, inline, not 'proces'"),
    ("ARCHIVE_WRITERS", "0", "must be at least 1"),
    ("ARCHIVE_WRITERS", "two", "must be an integer, not 'two'"),
    ("CRAWL_INCREMENTAL", "maybe", "must be true or false, not 'maybe'"),
    ("PROGRESS_INTERVAL", "-1", "must be at least 0"),
    ("RETRY_BACKOFF_MAX", "nan", "must be a number"),
    ("BROAD_CRAWL", "sometimes", "must be one of auto, true, false"),
])
def test_a_value_a_setting_cannot_take_is_an_error_naming_it(name, value, said):
    with pytest.raises(ConfigurationError, match=f"setting {name} {re.escape(said)}"):
        check_settings(Settings({name: value}))


@pytest.mark.parametrize("name, value, read", [
    ("ARCHIVE_WRITERS", "3", 3), ("CRAWL_INCREMENTAL", "False", False), ("CRAWL_REFRESH", "1", True),
    ("BROAD_CRAWL", "TRUE", "true"), ("PROGRESS_INTERVAL", "0", 0.0), ("ARCHIVE_WRITER", "thread", "thread"),
])
def test_values_given_on_the_command_line_are_typed(name, value, read):
    assert setting(Settings({name: value}), name) == read


def test_settings_that_lack_a_name_read_the_one_default():
    assert setting(Settings(), "ARCHIVE_WRITERS") == project_settings.ARCHIVE_WRITERS == 2


@pytest.mark.parametrize("option", ["ARCHIVE_WRITER=proces", "ARCHIVE_WRITERS=0", "CRAWL_INCREMENTAL=maybe"])
def test_a_crawl_with_an_unusable_setting_stops_before_it_starts(tmp_path, option):
    run = scrapy("crawl", "portals", "-a", "region=铜陵", "-s", option, archive=tmp_path / "a.sqlite")
    name = option.split("=")[0]
    assert run.returncode == 2, run.stderr[-2000:]
    assert f"setting {name} must be" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "warcs").exists()  # nothing was fetched, nothing written
