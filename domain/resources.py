"""Files shipped inside the packages (the region table, the portal registry, the migrations), as paths
on disk. Installed from a wheel they already are; inside a zipped egg, which is what Scrapyd runs, they
are copied once into a cache folder (GOVREPORTS_CACHE, else ~/.cache/govreports), keyed by the egg, so
code that opens a path works either way."""
from __future__ import annotations

import hashlib
import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def package_path(package: str, *parts: str) -> Path:
    """A file or folder of `package` (e.g. package_path("domain", "data", "regions.csv")) on disk."""
    resource = resources.files(package).joinpath(*parts)
    if isinstance(resource, Path):
        return resource
    origin = str(resources.files(package))
    key = hashlib.sha256(f"{origin}:{_stamp(origin)}".encode()).hexdigest()[:16]
    target = _cache_root() / key / package.replace(".", "/") / Path(*parts)
    if not target.exists():
        _copy(resource, target)
    return target


def _stamp(origin: str) -> str:
    """What changes when the egg does: its file's size and time, when the zip is a file on disk."""
    archive = origin.split(".egg")[0] + ".egg" if ".egg" in origin else ""
    try:
        info = os.stat(archive)
        return f"{info.st_size}:{info.st_mtime_ns}"
    except OSError:
        return ""


def _cache_root() -> Path:
    return Path(os.environ.get("GOVREPORTS_CACHE") or Path.home() / ".cache" / "govreports")


def _copy(resource: Traversable, target: Path) -> None:
    if resource.is_dir():
        for child in resource.iterdir():
            _copy(child, target / child.name)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".{os.getpid()}.part")
    partial.write_bytes(resource.read_bytes())
    partial.replace(target)  # atomic: two processes copying at once both end with the whole file
