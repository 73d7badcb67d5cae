"""The project is a Python package: a wheel or an egg built from it (what Scrapyd deploys) carries the
region table, the portal registry and the migrations, and works away from the source tree."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from crawler import __version__
from farm.texts import make_report
from tests.conftest import ROOT, scrapy

DATA = ["domain/data/regions.csv", "domain/data/portals.toml", "storage/migrations/env.py",
        "storage/migrations/script.py.mako", "storage/migrations/versions/0004_one_site_kind.py"]


@pytest.fixture
def source(tmp_path):
    """A copy of the project to build from: builds leave build/ and *.egg-info behind."""
    return shutil.copytree(ROOT, tmp_path / "source", ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", "demo", "crawls", "exports", "warcs"))


def test_a_wheel_holds_the_data_and_works_outside_the_source_tree(source, tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, cwd=tmp_path, capture_output=True)
    [wheel] = (tmp_path / "dist").glob("govreports-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert all(path in names for path in DATA), [p for p in DATA if p not in names]
    [entry_points] = [name for name in names if name.endswith("entry_points.txt")]
    registered = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[datasette]\ngovreports_browse = browse.plugins.govreports_browse" in registered
    assert "[console_scripts]\ngovreports = crawler.readers_cli:main" in registered
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    script = (f"import domain, storage.db as db; assert str(domain.__file__).startswith({str(target)!r});"
              "a = db.Archive.open('sqlite:///a.sqlite'); print(len(a.regions.by_code));"
              "from domain.portals import load_registry; print(len(load_registry().portals))")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(target), "PATH": ""})
    assert run.returncode == 0, run.stderr
    regions, portals = map(int, run.stdout.split())
    assert regions == 3217 and portals >= 107

    # The readers' command line, in a folder with no scrapy.cfg, given only ARCHIVE_DB.
    report = make_report("铜陵市", 2024, dt.date(2024, 1, 8), "某某某")
    line = {"url": "https://mirror.example.com/tl2024.html", "title": "2024年铜陵市政府工作报告",
            "text": "\n".join(report.paragraphs)}
    (tmp_path / "in.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    assert scrapy("import", str(tmp_path / "in.jsonl"), archive=tmp_path / "r.sqlite").returncode == 0
    govreports = [str(target / "bin" / "govreports")]
    readers = {"PYTHONPATH": str(target), "PATH": "", "ARCHIVE_DB": str(tmp_path / "r.sqlite"),
               "WARC_DIR": str(tmp_path / "warcs")}
    version = subprocess.run([*govreports, "--version"], cwd=tmp_path, capture_output=True, text=True, env=readers)
    assert version.stdout.strip() == f"govreports {__version__}"
    found = subprocess.run([*govreports, "search", "政府工作", "--format", "json"], cwd=tmp_path,
                           capture_output=True, text=True, env=readers)
    assert found.returncode == 0, found.stderr
    assert [hit["key"] for hit in json.loads(found.stdout)["hits"]] == ["340700-2024"]
    crawl = subprocess.run([*govreports, "crawl", "portals"], cwd=tmp_path, capture_output=True, text=True,
                           env=readers)
    assert crawl.returncode == 2 and "unknown command 'crawl'" in crawl.stderr  # readers read


def test_the_egg_scrapyd_deploy_builds_holds_the_data(source, tmp_path):
    # What scrapyd-deploy runs (scrapyd-client), in the project folder.
    subprocess.run([sys.executable, "setup.py", "clean", "-a", "bdist_egg", "-d", str(tmp_path)],
                   check=True, cwd=source, capture_output=True)
    [egg] = tmp_path.glob("govreports-*.egg")
    names = zipfile.ZipFile(egg).namelist()
    assert all(path in names for path in DATA), [p for p in DATA if p not in names]
    assert "settings = crawler.settings" in zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()
    # Imported from the zipped egg itself, as Scrapyd runs it: data files and migrations still load.
    script = ("import domain.regions as r, storage.db as db; assert '.egg' in r.__file__;"
              "a = db.Archive.open('sqlite:///a.sqlite'); print(len(a.regions.by_code));"
              "from domain.portals import load_registry; print(len(load_registry().portals))")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(egg), "PATH": "", "GOVREPORTS_CACHE": str(tmp_path / "cache")})
    assert run.returncode == 0, run.stderr
    regions, portals = map(int, run.stdout.split())
    assert regions == 3217 and portals >= 107


def offer_declared_dependencies(wheel, extra: str, folder):
    """A folder holding exactly the distributions the wheel's metadata requires (with `extra`), and
    theirs, linked from this environment: nothing it forgets to declare is there."""
    from email.parser import Parser
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement

    metadata = next(name for name in zipfile.ZipFile(wheel).namelist() if name.endswith(".dist-info/METADATA"))
    declared = Parser().parsestr(zipfile.ZipFile(wheel).read(metadata).decode()).get_all("Requires-Dist") or []
    queue, seen = [(Requirement(text), extra) for text in declared], set()
    folder.mkdir()
    while queue:
        requirement, wanted = queue.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": wanted or ""}):
            continue
        try:
            found = distribution(requirement.name)
        except PackageNotFoundError:
            continue  # not installed here: pip says so when it resolves
        key = found.metadata["Name"].lower()
        if key in seen:
            continue
        seen.add(key)
        base = found.locate_file("")
        for top in {path.parts[0] for path in found.files or [] if path.parts and path.parts[0] != ".."}:
            if (base / top).exists() and not (folder / top).exists():
                (folder / top).symlink_to(base / top)
        for text in found.requires or []:
            for chosen in (requirement.extras or {""}):
                queue.append((Requirement(text), chosen))
    return folder


def test_a_fresh_virtualenv_installs_the_readers_extra_from_the_wheel_and_searches(source, tmp_path):
    """`pip install "govreports[readers]"` as a reader does it, in a new virtualenv, resolving every
    dependency the wheel declares (the extra's included) with no index: exactly the distributions its
    metadata requires, and theirs, are offered from this environment through a .pth file, so a dependency
    the metadata names wrongly, or one it forgets that a reader's command imports, fails here as it would
    on a reader's machine."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, cwd=tmp_path, capture_output=True)
    [wheel] = (tmp_path / "dist").glob("govreports-*.whl")
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(fresh)], check=True, capture_output=True)
    [site] = (fresh / "lib").glob("python3.*/site-packages")
    offered = offer_declared_dependencies(wheel, "readers", tmp_path / "offered")
    (site / "offered-dependencies.pth").write_text(f"{offered}\n")
    installed = subprocess.run([str(fresh / "bin" / "pip"), "install", "--no-index", "--disable-pip-version-check",
                                f"{wheel}[readers]"], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]
    assert (site / "crawler" / "readers_cli.py").exists()  # from the wheel, not from the source tree
    checked = subprocess.run([str(fresh / "bin" / "pip"), "check"], capture_output=True, text=True)
    assert "govreports" not in checked.stdout, checked.stdout

    report = make_report("铜陵市", 2023, dt.date(2023, 1, 8), "某某某")
    line = {"url": "https://mirror.example.com/tl2023.html", "title": "2023年铜陵市政府工作报告",
            "text": "\n".join(report.paragraphs)}
    (tmp_path / "in.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    assert scrapy("import", str(tmp_path / "in.jsonl"), archive=tmp_path / "r.sqlite").returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    readers = {"PATH": str(fresh / "bin"), "ARCHIVE_DB": str(tmp_path / "r.sqlite"), "WARC_DIR": str(tmp_path / "warcs")}
    for command in (["search", "政府工作", "--format", "json"], ["export", "--format", "wacz", "-o", "r.wacz"],
                    ["export", "--format", "parquet", "-o", "r.parquet"]):
        done = subprocess.run(["govreports", *command], cwd=elsewhere, capture_output=True, text=True, env=readers)
        assert done.returncode == 0, (command, done.stderr[-2000:])
    assert (elsewhere / "r.wacz").stat().st_size > 0 and (elsewhere / "r.parquet").stat().st_size > 0
