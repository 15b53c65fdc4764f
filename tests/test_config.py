import pytest

from geoair.errors import ConfigError
from geoair.store.settings import DEFAULT_TOML, DEFAULTS, load_settings


def test_defaults_come_from_the_documents():
    settings = load_settings(None)
    assert settings["gate_roads"]["radius_m"] == 100.0  # seed 000: 100 米
    assert settings["readings"]["dustfall_limit_t_km2"] == 9.0  # seed 004: 9 吨/月·平方公里


def test_every_default_key_is_commented():
    lines = DEFAULT_TOML.splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            above = lines[number - 1].strip()
            assert above.startswith("#") or "=" in above, f"no comment above: {line}"


def test_user_values_override_and_ints_become_floats(tmp_path):
    path = tmp_path / "geoair.toml"
    path.write_text("[gate_roads]\nradius_m = 50\n", encoding="utf-8")
    settings = load_settings(path)
    assert settings["gate_roads"]["radius_m"] == 50.0
    assert settings["readings"] == DEFAULTS["readings"]


def test_all_problems_reported_at_once(tmp_path):
    path = tmp_path / "geoair.toml"
    path.write_text(
        '[gate_roads]\nradius_m = "wide"\nradius_km = 1\n[nonsense]\na = 1\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert "gate_roads.radius_m must be a float" in message
    assert "unknown setting 'gate_roads.radius_km'" in message
    assert "unknown setting 'nonsense'" in message


def test_broken_toml_says_how_to_recover(tmp_path):
    path = tmp_path / "geoair.toml"
    path.write_text("[gate_roads\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="geoair init"):
        load_settings(path)
