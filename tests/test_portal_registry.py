"""The portal registry: the shipped file, and what a malformed one says."""
import pytest

from domain.portals import RegistryError, load_registry
from domain.regions import default_registry

regions = default_registry()


def test_the_shipped_registry_covers_every_province_and_every_east_china_prefecture():
    registry = load_registry()
    codes = {p.code for p in registry.portals}
    provinces = {r.code for r in regions.by_code.values() if r.level == "province"}
    east_prefectures = {r.code for r in regions.in_area("华东") if r.level == "prefecture"}
    assert provinces <= codes
    assert east_prefectures <= codes


def test_shipped_portals_are_official_hosts_and_marked_unconfirmed():
    for portal in load_registry().portals:
        assert all(host.endswith(".gov.cn") for host in portal.hosts), portal
        assert portal.confirmed is False


def test_subdomains_of_a_portal_belong_to_it():
    registry = load_registry()
    assert registry.portal_for_url("https://xxgk.tl.gov.cn/a.html").code == "340700"
    assert registry.portal_for_url("https://www.tl.gov.cn.evil.com/") is None


def write(tmp_path, text):
    path = tmp_path / "portals.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("entry, problem", [
    ('url = "https://www.tl.gov.cn/"', "[[portal]] #1: missing required key 'code'"),
    ('code = "340700"', "[[portal]] #1 (340700): missing required key 'url'"),
    ('code = "349999"\nurl = "https://x.gov.cn/"', "code 349999 is not a known division code"),
    ('code = "3407"\nurl = "https://x.gov.cn/"', "code must be a six-digit division code"),
    ('code = "340700"\nurl = "www.tl.gov.cn"', "url 'www.tl.gov.cn' is not an http(s) URL"),
    ('code = "340700"\nurl = "https://www.tl.gov.cn/"\nname = "池州市"', "name '池州市' does not match code 340700"),
    ('code = "340700"\nurl = "https://www.tl.gov.cn/"\nhomepage = "x"', "unknown keys ['homepage']"),
    ('code = "340700"\nurl = "https://www.tl.gov.cn/"\nsite_id = "12"', "site_id must be the ten-character"),
    ('code = "340700"\nurl = "https://www.tl.gov.cn/"\nstart_urls = "https://www.tl.gov.cn/a/"',
     "start_urls must be a list of strings"),
])
def test_a_malformed_portal_entry_names_file_entry_and_problem(tmp_path, entry, problem):
    path = write(tmp_path, f"[[portal]]\n{entry}\n")
    with pytest.raises(RegistryError) as error:
        load_registry(path)
    assert str(error.value).startswith(f"{path}: ")
    assert problem in str(error.value)


def test_a_malformed_mirror_entry_is_reported_too(tmp_path):
    path = write(tmp_path, '[[mirror]]\nname = "x"\n')
    with pytest.raises(RegistryError, match=r"\[\[mirror\]\] #1 \(x\): missing required key 'url'"):
        load_registry(path)


def test_invalid_toml_and_missing_files_are_reported(tmp_path):
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(write(tmp_path, "[[portal]\n"))
    with pytest.raises(RegistryError, match="no such file"):
        load_registry(tmp_path / "absent.toml")


def test_the_farm_registry_is_valid():
    from pathlib import Path
    registry = load_registry(Path(__file__).parent.parent / "farm" / "portals.toml")
    assert len(registry.portals) == 11 and len(registry.mirrors) == 1
