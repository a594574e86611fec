import pytest

from journey.scenario import PRESETS, Scenario, ScenarioError, load_preset


def test_every_parameter_has_bounds_unit_and_note():
    rows = Scenario.describe()
    numeric = [r for r in rows if isinstance(r["default"], int | float)
               and not isinstance(r["default"], bool)]
    assert len(numeric) > 60
    for r in numeric:
        assert r["min"] is not None and r["max"] is not None, r["name"]
        assert r["unit"], r["name"]
        assert r["note"], r["name"]
        assert r["min"] <= r["default"] <= r["max"], r["name"]


def test_unknown_key_is_rejected_with_its_name():
    with pytest.raises(ScenarioError, match="unknown parameter 'servce_quality'"):
        Scenario.from_dict({"servce_quality": 5})


def test_retired_key_says_what_replaced_it():
    with pytest.raises(ScenarioError, match="'new_staff_penalty' was retired: replaced by"
                                            " newcomer_gap"):
        Scenario.from_dict({"new_staff_penalty": 0.5})


def test_out_of_range_value_names_the_key():
    with pytest.raises(ScenarioError, match="parameter 'read_share'"):
        Scenario.from_dict({"read_share": 1.5})


def test_outbound_mix_must_sum_to_one():
    with pytest.raises(ScenarioError, match="must sum to 1"):
        Scenario.from_dict({"outbound_care": 0.9})


def test_yaml_round_trip(tmp_path):
    sc = load_preset("housing").replace(read_share=0.11)
    path = tmp_path / "s.yaml"
    sc.to_yaml(path)
    assert Scenario.from_yaml(path) == sc


def test_bad_yaml_file_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("term_months: [1, 2\n")
    with pytest.raises(ScenarioError, match="bad.yaml"):
        Scenario.from_yaml(path)
    path.write_text("term_months: -3\n")
    with pytest.raises(ScenarioError, match="bad.yaml: parameter 'term_months'"):
        Scenario.from_yaml(path)


def test_presets_differ_in_earnest():
    p = {name: load_preset(name) for name in PRESETS}
    assert p["telecom"].term_months > 0 and p["telecom"].fee_schedule == "declining"
    assert p["housing"].mental_base > 10 * p["telecom"].mental_base
    assert p["subscription"].term_months == 0 and p["subscription"].exit_fee == 0
    assert p["bank_partners"].partners and p["bank_partners"].competitor_entry_month >= 0
    dumps = {name: sc.model_dump() for name, sc in p.items()}
    for a in PRESETS:
        for b in PRESETS:
            if a < b:
                differing = [k for k in dumps[a] if dumps[a][k] != dumps[b][k]]
                assert len(differing) >= 8, (a, b, differing)


def test_unknown_preset():
    with pytest.raises(ScenarioError, match="unknown preset 'mars'"):
        load_preset("mars")


@pytest.mark.parametrize("data, needle", [
    ({"read_share": True}, "parameter 'read_share': expected a number, got True (bool)"),
    ({"term_months": False}, "parameter 'term_months': expected a number"),
    ({"price": "30"}, "parameter 'price': expected a number, got '30' (str)"),
    ({"partners": 1}, "parameter 'partners': expected true or false, got 1"),
    ({"partners": "yes"}, "parameter 'partners': expected true or false, got 'yes' (str)"),
    ({"keep_contact_data": 0.0}, "parameter 'keep_contact_data': expected true or false"),
])
def test_loose_types_are_refused(data, needle):
    with pytest.raises(ScenarioError) as exc:
        Scenario.from_dict(data)
    assert needle in str(exc.value)


def test_ints_are_floats_and_numpy_numbers_are_numbers():
    import numpy as np

    sc = Scenario.from_dict({"price": 30, "read_share": np.float64(0.5),
                             "term_months": np.int64(12), "partners": np.bool_(True)})
    assert sc.price == 30.0 and isinstance(sc.price, float)
    assert sc.term_months == 12 and sc.partners


def test_yaml_slips_are_refused_from_a_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("read_share: yes\n")  # YAML 1.1: yes is true
    with pytest.raises(ScenarioError, match="s.yaml: parameter 'read_share': expected a number"):
        Scenario.from_yaml(path)
    path.write_text("read_share: 0.3\nread_share: 0.4\n")
    with pytest.raises(ScenarioError, match="line 2: duplicate key 'read_share'"):
        Scenario.from_yaml(path)


def test_many_unknown_keys_are_one_short_line():
    with pytest.raises(ScenarioError) as exc:
        Scenario.from_dict({f"unknown_{i}": "x" * 10_000 for i in range(50_000)})
    assert len(str(exc.value)) < 300 and "and 49,997 more" in str(exc.value)


def test_a_long_bad_value_is_cut_short():
    with pytest.raises(ScenarioError) as exc:
        Scenario.from_dict({"read_share": "9" * 100_000})
    assert len(str(exc.value)) < 200
