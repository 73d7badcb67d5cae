"""The region argument: codes, names, short names, areas; and the shipped division data."""
import pytest

from domain.regions import AREAS, RegionError, default_registry, short_name

regions = default_registry()


@pytest.mark.parametrize("argument", ["340700", "铜陵市", "铜陵", "安徽省铜陵市", "安徽铜陵", " 铜陵 "])
def test_a_prefecture_by_code_full_name_short_name_or_with_its_province(argument):
    selected = regions.resolve(argument)
    assert selected[0].code == "340700"
    assert {r.parent_code for r in selected[1:]} == {"340700"}  # its counties and districts


@pytest.mark.parametrize("argument", ["340000", "34", "安徽省", "安徽"])
def test_a_province_selects_itself_and_everything_under_it(argument):
    selected = regions.resolve(argument)
    assert selected[0].name == "安徽省"
    assert {r.level for r in selected} == {"province", "prefecture", "county"}
    assert all(r.code.startswith("34") for r in selected)


@pytest.mark.parametrize("argument", ["华东", "huadong", "HuaDong", "华东地区"])
def test_an_area_selects_its_provinces_and_all_below(argument):
    selected = regions.resolve(argument)
    provinces = {r.name for r in selected if r.level == "province"}
    assert provinces == {"上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省"}


def test_the_seven_areas_have_pinyin_names():
    assert AREAS == {"华北": "huabei", "东北": "dongbei", "华东": "huadong", "华中": "huazhong",
                     "华南": "huanan", "西南": "xinan", "西北": "xibei"}


def test_an_ambiguous_name_lists_every_candidate_with_its_province():
    with pytest.raises(RegionError) as error:
        regions.resolve("朝阳区")
    message = str(error.value)
    assert "朝阳区 (110105) in 北京市" in message and "朝阳区 (220104) in 吉林省" in message


def test_the_province_prefix_settles_an_ambiguity():
    assert regions.resolve("北京朝阳区")[0].code == "110105"


def test_an_unknown_name_or_code_is_a_clear_error():
    with pytest.raises(RegionError, match="no region is called '火星'"):
        regions.resolve("火星")
    with pytest.raises(RegionError, match="no region has the code 999900"):
        regions.resolve("999900")


@pytest.mark.parametrize("full, short", [("铜陵市", "铜陵"), ("广西壮族自治区", "广西"), ("新疆维吾尔自治区", "新疆"),
                                         ("黔东南苗族侗族自治州", "黔东南"), ("延边朝鲜族自治州", "延边"),
                                         ("锡林郭勒盟", "锡林郭勒"), ("城区", "城区")])
def test_short_names(full, short):
    assert short_name(full) == short


def test_the_data_file_holds_every_level_without_placeholders_or_development_zones():
    levels = {}
    for region in regions.by_code.values():
        levels[region.level] = levels.get(region.level, 0) + 1
        assert region.name not in ("市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划")
        if region.level == "county":
            assert not 71 <= int(region.code[4:]) <= 79
        if region.parent_code:
            assert region.parent_code in regions.by_code
    assert levels["province"] == 31
    assert levels["prefecture"] >= 330
    assert levels["county"] >= 2800
