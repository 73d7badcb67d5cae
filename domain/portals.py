"""The portal registry: official government portals and aggregator mirrors, read from a TOML file.

The file is named by the setting PORTALS_FILE (default: domain/data/portals.toml). A malformed file
fails with the file, the entry and what is wrong, before any request is made.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NoReturn
from urllib.parse import urljoin, urlsplit

from cssselect import GenericTranslator, SelectorError

from domain.regions import RegionRegistry, default_registry
from domain.resources import package_path
from domain.vocabulary import PLATFORMS

DEFAULT_PORTALS_FILE = package_path("domain", "data", "portals.toml")

_PORTAL_KEYS = {"code", "url", "name", "hosts", "site_id", "start_urls", "confirmed", "platform", "source"}
# CMS platforms a registry entry may name (domain.pages.platforms); detection finds them otherwise.
PLATFORM_NAMES = PLATFORMS
# Where a named platform's listings start, when the entry gives no start_urls.
PLATFORM_START_PATHS = {"gkmlpt": "/gkmlpt/index"}
_MIRROR_KEYS = {"name", "url", "hosts", "start_urls", "selectors"}
_SELECTOR_KEYS = {"body", "title", "links"}


class RegistryError(ValueError):
    """The portal registry file is malformed."""


# Suffixes under which anyone (or every government) registers names: never one portal's domain.
PUBLIC_SUFFIXES = {"cn", "com", "net", "org", "gov", "edu", "gov.cn", "com.cn", "net.cn", "org.cn", "edu.cn", "ac.cn",
                   "mil.cn", "xn--fiqs8s", "中国", "政务", "公益"}


# A DNS host name of two labels or more (RFC 1123 labels: letters, digits, inner hyphens): the one check
# of a host name, for the registry as it is read and as it is built (scripts/registry_rules.py).
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")


def is_host_name(host: str) -> bool:
    """Whether `host` (lower case, no trailing dot) is a host name of two labels or more."""
    return bool(_HOST_NAME.fullmatch(host))


def host_domain(host: str) -> str:
    """The domain a host stands for: www.tl.gov.cn → tl.gov.cn; www.gov.cn stands for itself only,
    since gov.cn is every government's suffix."""
    host = host.lower().rstrip(".")
    domain = host[4:] if host.startswith("www.") else host
    return host if domain in PUBLIC_SUFFIXES else domain


def host_matches(host: str, hosts: tuple[str, ...]) -> bool:
    """True when `host` is one of `hosts` or a subdomain of one of their domains."""
    host = (host or "").lower().split(":")[0].rstrip(".")
    for known in hosts:
        domain = host_domain(known)
        if host == known or host == domain or host.endswith("." + domain):
            return True
    return False


def normalized_url(url: str) -> str:
    """A URL as the registry compares them: lower-case scheme and host, no default port, no trailing
    slash, no fragment (http://WWW.TL.gov.cn:80/ and http://www.tl.gov.cn are one portal)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}" + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class Portal:
    code: str
    url: str
    hosts: tuple[str, ...]
    name: str | None = None
    site_id: str | None = None
    start_urls: tuple[str, ...] = ()
    confirmed: bool = False
    platform: str | None = None  # hanweb | gkmlpt | trs, when the registry names it
    source: str | None = None  # where the entry comes from (the build's reference list, a hand correction)

    def owns(self, url: str) -> bool:
        return host_matches(urlsplit(url).hostname or "", self.hosts)


@dataclass(frozen=True)
class Mirror:
    name: str
    url: str
    hosts: tuple[str, ...]
    start_urls: tuple[str, ...] = ()
    selectors: dict = field(default_factory=dict)

    def owns(self, url: str) -> bool:
        return host_matches(urlsplit(url).hostname or "", self.hosts)


@dataclass(frozen=True)
class PortalRegistry:
    path: Path
    portals: tuple[Portal, ...]
    mirrors: tuple[Mirror, ...]

    def for_codes(self, codes: set[str]) -> list[Portal]:
        return [p for p in self.portals if p.code in codes]

    def portal_for_url(self, url: str) -> Portal | None:
        """The portal whose hosts serve `url`; the most specific host wins."""
        host = (urlsplit(url).hostname or "").lower()
        cache = self._portal_by_host
        if host not in cache:
            # Only portals listing the host or one of its parent domains can own it (www.a.tl.gov.cn:
            # www.a.tl.gov.cn, a.tl.gov.cn, tl.gov.cn, gov.cn, cn), not all thousands of them.
            labels = host.split(".")
            suspects = {id(p): p for n in range(len(labels)) for p in self._by_domain.get(".".join(labels[n:]), ())}
            owners = [p for p in suspects.values() if host_matches(host, p.hosts)]
            owners.sort(key=self.portals.index)  # registry order first, then the sort below (stable)
            owners.sort(key=lambda p: (host not in p.hosts, -max(len(h) for h in p.hosts)))
            cache[host] = owners[0] if owners else None
        return cache[host]

    @cached_property
    def _by_domain(self) -> dict[str, list[Portal]]:
        """Each host of the registry, and the domain it stands for (host_domain), → its portals."""
        index: dict[str, list[Portal]] = {}
        for portal in self.portals:
            for known in portal.hosts:
                for key in {known.lower().rstrip("."), host_domain(known)}:
                    index.setdefault(key, []).append(portal)
        return index

    @cached_property
    def _portal_by_host(self) -> dict[str, Portal | None]:
        # Every fetch asks this two or three times, and a registry holds thousands of portals.
        return {}

    def mirror_for_url(self, url: str) -> Mirror | None:
        return next((m for m in self.mirrors if m.owns(url)), None)

    def page_selectors(self, url: str) -> dict[str, str]:
        """The CSS overrides the page objects use on `url`: a mirror's `selectors`, with its body found
        by text density unless `body` is given (an aggregator's `.content` is often its whole page)."""
        mirror = self.mirror_for_url(url)
        if mirror is None:
            return {}
        return {"body": "density", **mirror.selectors}


def load_registry(path: str | Path | None = None, regions: RegionRegistry | None = None) -> PortalRegistry:
    path = Path(path) if path else DEFAULT_PORTALS_FILE
    regions = regions or default_registry()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"portal", "mirror"}
    if unknown:
        raise RegistryError(f"{path}: unknown top-level keys {sorted(unknown)}; expected [[portal]] and [[mirror]]")
    portals = tuple(_portal(path, i, entry, regions) for i, entry in enumerate(_tables(path, data, "portal"), 1))
    mirrors = tuple(_mirror(path, i, entry) for i, entry in enumerate(_tables(path, data, "mirror"), 1))
    seen: dict[str, int] = {}
    owner: dict[str, int] = {}
    for i, portal in enumerate(portals, 1):
        key = normalized_url(portal.url)
        if key in seen:
            raise RegistryError(f"{path}: [[portal]] #{i} (code {portal.code}): url {portal.url} "
                                f"is already the url of [[portal]] #{seen[key]}")
        seen[key] = i
        for host in portal.hosts:
            if host in owner:
                raise RegistryError(f"{path}: [[portal]] #{i} (code {portal.code}): host {host} is already a host "
                                    f"of [[portal]] #{owner[host]}; a host belongs to one portal")
            owner[host] = i
    return PortalRegistry(path, portals, mirrors)


def _tables(path: Path, data: dict, key: str) -> list[dict]:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RegistryError(f"{path}: '{key}' must be an array of tables, written [[{key}]]")
    return entries


def _fail(path: Path, kind: str, index: int, entry: dict, message: str) -> NoReturn:
    label = entry.get("code") or entry.get("name")
    where = f"[[{kind}]] #{index}" + (f" ({label})" if label else "")
    raise RegistryError(f"{path}: {where}: {message}")


def _check_url(path, kind, index, entry, key, value) -> str:
    if not isinstance(value, str):
        _fail(path, kind, index, entry, f"{key} must be a string URL, got {value!r}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        _fail(path, kind, index, entry, f"{key} {value!r} is not an http(s) URL with a host")
    try:
        port = parts.port
    except ValueError:  # out of range (99999) or not a number
        port = 0
    if port == 0:
        _fail(path, kind, index, entry, f"{key} {value!r} has an invalid port")
    if parts.hostname.rstrip(".") in PUBLIC_SUFFIXES:
        _fail(path, kind, index, entry, f"{key} {value!r} is a bare public suffix, not a site")
    return value


def _string_list(path, kind, index, entry, key) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        _fail(path, kind, index, entry, f"{key} must be a list of strings, got {value!r}")
    return tuple(value)


def _hosts(path, kind, index, entry) -> tuple[str, ...]:
    hosts = _string_list(path, kind, index, entry, "hosts")
    for host in hosts:
        if not is_host_name(host.lower().rstrip(".")):
            _fail(path, kind, index, entry, f"hosts: {host!r} is not a host name")
        if host.lower().rstrip(".") in PUBLIC_SUFFIXES:
            _fail(path, kind, index, entry, f"hosts: {host!r} is a bare public suffix: every site under it "
                                            "would belong to this entry")
    own = urlsplit(entry["url"]).hostname
    return tuple(dict.fromkeys([own, *(h.lower() for h in hosts)]))


def _check_keys(path, kind, index, entry, allowed: set[str], required: tuple[str, ...]) -> None:
    unknown = set(entry) - allowed
    if unknown:
        _fail(path, kind, index, entry, f"unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    for key in required:
        if key not in entry:
            _fail(path, kind, index, entry, f"missing required key '{key}'")


def _portal(path: Path, index: int, entry: dict, regions: RegionRegistry) -> Portal:
    kind = "portal"
    _check_keys(path, kind, index, entry, _PORTAL_KEYS, ("code", "url"))
    code = entry["code"]
    if isinstance(code, int):
        code = str(code)
    if not isinstance(code, str) or not re.fullmatch(r"\d{6}", code):
        _fail(path, kind, index, entry, f"code must be a six-digit division code, got {entry['code']!r}")
    region = regions.get(code)
    if region is None:
        _fail(path, kind, index, entry, f"code {code} is not a known division code")
    name = entry.get("name")
    if name is not None and name != region.name:
        _fail(path, kind, index, entry, f"name {name!r} does not match code {code}, which is {region.name}")
    url = _check_url(path, kind, index, entry, "url", entry["url"])
    start_urls = _string_list(path, kind, index, entry, "start_urls")
    for start in start_urls:
        _check_url(path, kind, index, entry, "start_urls", start)
    site_id = entry.get("site_id")
    if site_id is not None and not (isinstance(site_id, str) and re.fullmatch(r"[0-9A-Za-z]{10}", site_id)):
        _fail(path, kind, index, entry, f"site_id must be the ten-character 网站标识码, got {site_id!r}")
    confirmed = entry.get("confirmed", False)
    if not isinstance(confirmed, bool):
        _fail(path, kind, index, entry, f"confirmed must be true or false, got {confirmed!r}")
    platform = entry.get("platform")
    if platform is not None and platform not in PLATFORM_NAMES:
        _fail(path, kind, index, entry, f"platform must be one of {', '.join(PLATFORM_NAMES)}, got {platform!r}")
    if platform in PLATFORM_START_PATHS and not start_urls:
        start_urls = (urljoin(url, PLATFORM_START_PATHS[platform]),)
    source = entry.get("source")
    if source is not None and not isinstance(source, str):
        _fail(path, kind, index, entry, f"source must be a string, got {source!r}")
    return Portal(code=code, url=url, hosts=_hosts(path, kind, index, entry), name=region.name,
                  site_id=site_id, start_urls=start_urls, confirmed=confirmed, platform=platform, source=source)


def _mirror(path: Path, index: int, entry: dict) -> Mirror:
    kind = "mirror"
    _check_keys(path, kind, index, entry, _MIRROR_KEYS, ("name", "url"))
    if not isinstance(entry["name"], str) or not entry["name"].strip():
        _fail(path, kind, index, entry, "name must be a non-empty string")
    url = _check_url(path, kind, index, entry, "url", entry["url"])
    start_urls = _string_list(path, kind, index, entry, "start_urls")
    for start in start_urls:
        _check_url(path, kind, index, entry, "start_urls", start)
    selectors = entry.get("selectors", {})
    if not isinstance(selectors, dict) or set(selectors) - _SELECTOR_KEYS or \
            not all(isinstance(v, str) for v in selectors.values()):
        _fail(path, kind, index, entry, f"selectors must be a table of CSS strings with keys {sorted(_SELECTOR_KEYS)}")
    for key, css in selectors.items():
        if key == "body" and css == "density":
            continue
        try:
            GenericTranslator().css_to_xpath(css)
        except SelectorError as exc:
            _fail(path, kind, index, entry, f"selectors.{key} {css!r} is not valid CSS: {exc}")
    return Mirror(name=entry["name"], url=url, hosts=_hosts(path, kind, index, entry),
                  start_urls=start_urls, selectors=dict(selectors))
