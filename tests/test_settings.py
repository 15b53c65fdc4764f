"""Tests of geoair.store.settings: typed tables, defaults from the documents, one check."""

import dataclasses
import re

import pytest

from geoair.errors import ConfigError
from geoair.store.settings import (
    DEFAULT_SETTINGS,
    DEFAULT_TOML,
    BenchmarkQuota,
    Settings,
    default_toml,
    load_settings,
    overridden,
    parse_settings,
)


def test_defaults_come_from_the_documents():
    settings = load_settings(None)
    assert isinstance(settings, Settings)
    assert settings.gate_roads.radius_m == 100.0  # 阳环函〔2024〕6号: 100 米
    assert settings.readings.dustfall_limit_t_km2 == 9.0  # 阳政办发〔2020〕131号: 9 吨
    assert settings.scores.benchmark_quotas[0] == BenchmarkQuota("城区", 3, 5)


def test_every_field_of_every_table_is_in_the_default_text():
    # Without defaults every key must be present: the text and the classes agree.
    parsed = parse_settings(DEFAULT_TOML, source="default text")
    assert parsed == DEFAULT_SETTINGS
    for table in dataclasses.fields(Settings):
        section = getattr(parsed, table.name)
        for spec in dataclasses.fields(section):
            assert re.search(rf"^{spec.name} =", DEFAULT_TOML, re.M) or spec.name in (
                "park_weights",
                "enterprise_weights",
                "grade_points",
                "weights",
                "places",
                "park_units",
            ), spec.name


def test_every_default_key_is_commented():
    lines = DEFAULT_TOML.splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            above = lines[number - 1].strip()
            assert above.startswith("#") or "=" in above, f"no comment above: {line}"


def test_comments_cite_documents_never_internal_numbers():
    comments = "\n".join(line for line in DEFAULT_TOML.splitlines() if line.startswith("#"))
    assert not re.search(r"\b(seed|issue)\s*\d", comments, re.I)
    assert "PERFORMANCE.md" not in comments and "shared/" not in comments


def test_the_default_text_is_in_the_workspaces_language(tmp_path):
    from click.testing import CliRunner

    from geoair.cli import main

    zh, en = default_toml("zh"), default_toml("en")
    assert zh == DEFAULT_TOML and zh != en
    assert parse_settings(zh) == parse_settings(en) == DEFAULT_SETTINGS

    # Only the comments differ.
    def values(text):
        return [line for line in text.splitlines() if not line.startswith("#")]

    assert values(zh) == values(en)
    assert "# 每个厂门周围需冲洗清扫道路的半径" in zh
    assert "# Radius around every factory gate" in en
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "zh")])
    runner.invoke(main, ["--lang", "en", "init", str(tmp_path / "en")])
    assert (tmp_path / "zh" / "geoair.toml").read_text("utf-8") == zh
    assert (tmp_path / "en" / "geoair.toml").read_text("utf-8") == en


def test_user_values_override_and_ints_become_floats(tmp_path):
    path = tmp_path / "geoair.toml"
    path.write_text("[gate_roads]\nradius_m = 50\n", encoding="utf-8")
    settings = load_settings(path)
    assert settings.gate_roads.radius_m == 50.0
    assert isinstance(settings.gate_roads.radius_m, float)
    assert settings.readings == DEFAULT_SETTINGS.readings


@pytest.mark.usefixtures("english")
def test_all_problems_reported_at_once(tmp_path):
    path = tmp_path / "geoair.toml"
    path.write_text(
        '[gate_roads]\nradius_m = "wide"\nradius_km = 1\n[nonsense]\na = 1\n'
        '[maps]\ntiles = "bing"\n[scores.park_weights]\nairr = 0.5\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert "gate_roads.radius_m must be a number" in message
    assert "unknown setting gate_roads.radius_km" in message
    assert "unknown setting nonsense" in message
    assert "maps.tiles must be one of osm, tianditu, amap, none" in message
    assert "unknown setting scores.park_weights.airr" in message
    assert str(path) in message


def test_problems_are_said_in_chinese(tmp_path):
    path = tmp_path / "geoair.toml"
    path.write_text('[gate_roads]\nradius_m = "wide"\n[maps]\ntiles = "bing"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert "gate_roads.radius_m 应为数字，而不是 'wide'" in message
    assert "maps.tiles 应为 osm, tianditu, amap, none 之一" in message
    assert message.endswith("请改正或删除这些行。")


def test_open_tables_take_the_users_names(tmp_path):
    path = tmp_path / "geoair.toml"
    path.write_text(
        '[patrol.places]\n"郊区分局" = [113.65, 37.9]\n[targets.park_units]\n"开发区" = ["P01"]\n',
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.patrol.places["郊区分局"] == (113.65, 37.9)
    assert settings.targets.park_units["开发区"] == ("P01",)


@pytest.mark.usefixtures("english")
def test_a_place_must_be_two_numbers(tmp_path):
    path = tmp_path / "geoair.toml"
    path.write_text('[patrol.places]\n"分局" = [113.65]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="patrol.places.分局 must be a list of 2 values"):
        load_settings(path)


def test_settings_are_frozen_and_overridden_in_one_way():
    cfg = DEFAULT_SETTINGS.gate_roads
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.radius_m = 5.0  # type: ignore[misc]
    wider = overridden(cfg, radius_m=150.0, gate_site_max_m=None)
    assert wider.radius_m == 150.0 and wider.gate_site_max_m == cfg.gate_site_max_m
    assert cfg.radius_m == 100.0


def test_broken_toml_says_how_to_recover(tmp_path):
    path = tmp_path / "geoair.toml"
    path.write_text("[gate_roads\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="geoair init"):
        load_settings(path)


def test_workspace_checks_its_settings_once_and_again_when_edited(tmp_path):
    import os

    from geoair.store.open import init_workspace, open_workspace

    init_workspace(tmp_path / "ws")
    ws = open_workspace(tmp_path / "ws")
    assert ws.settings is ws.settings  # parsed once, kept
    path = tmp_path / "ws" / "geoair.toml"
    path.write_text("[gate_roads]\nradius_m = 1\n", "utf-8")
    os.utime(path, ns=(1, 1))  # a different time than before, whatever the clock says
    assert ws.settings.gate_roads.radius_m == 1.0
