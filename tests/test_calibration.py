"""Every preset, at the default size, falls inside every calibration band (docs/calibration.md)."""

from pathlib import Path

import pytest

from journey.calibration import BANDS, Band, check_preset

DOC = Path(__file__).resolve().parent.parent / "docs" / "calibration.md"


@pytest.mark.parametrize("preset", list(BANDS))
def test_preset_inside_its_bands(preset):
    tab = check_preset(preset)
    outside = tab.loc[~tab["inside"], ["figure", "value", "lo", "hi"]]
    assert outside.empty, f"{preset} outside its bands:\n{outside}"


def test_every_band_is_documented_with_its_source():
    text = DOC.read_text()
    for preset, bands in BANDS.items():
        assert f"## {preset}" in text
        for b in bands:
            assert b.kind in ("published", "design")
            assert f"| `{b.figure}` |" in text and b.source in text, (preset, b.figure)


def test_a_band_fails_outside_and_on_nan():
    b = Band("nps", -10, 30, "published", "x")
    assert b.holds(0.0) and b.holds(30.0)
    assert not b.holds(30.5) and not b.holds(float("nan"))
