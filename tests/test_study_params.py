"""Typed study parameters: parsing the parameters cell, strict validation, safe injection."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journey.study import params
from journey.study.params import (
    build_model,
    check_parameters,
    injection_source,
    parse_assignments,
    parse_parameters_cell,
    validate_parameters,
)

CELL = '''from typing import Literal

seed: int = 2  # random seed
n_customers: int = 2000  # cohort size
rate: float = 0.5  # a rate
flag: bool = False  # a switch
name: str = "x"  # free text
sizes: list[int] = [1, 2]  # several sizes
preset: Literal["telecom", "housing"] = "telecom"  # scenario preset
plain = 3
'''


@pytest.fixture
def specs():
    return parse_parameters_cell(CELL)


def test_cell_gives_names_types_defaults_and_help(specs):
    by = {s.name: s for s in specs}
    assert list(by) == ["seed", "n_customers", "rate", "flag", "name", "sizes", "preset", "plain"]
    assert by["n_customers"].type is int and by["n_customers"].default == 2000
    assert by["n_customers"].help == "cohort size"
    assert by["sizes"].annotation == "list[int]" and by["sizes"].default == [1, 2]
    assert by["plain"].type is int and by["plain"].help == ""


@pytest.mark.parametrize("src, needle", [
    ("x: int = 1 + foo()  # no", "must be a literal"),
    ("print('hi')", "expected 'name: type = literal"),
    ("x: int  # no default", "no default"),
    ("x: os.PathLike = 1", "not a plain type"),
    ("x: Callable = 1", "'Callable'"),
    ("x: int = 1\nx: int = 2", "defined twice"),
    ("x: int = (", "line 1"),
])
def test_bad_cells_are_refused_naming_the_line(src, needle):
    with pytest.raises(ValueError, match="parameters cell") as exc:
        parse_parameters_cell(src)
    assert needle in str(exc.value)


def test_defaults_must_match_their_types():
    specs = parse_parameters_cell('seed: int = "two"  # wrong')
    with pytest.raises(ValueError, match="seed"):
        validate_parameters(build_model(specs), {})


def test_strict_types(specs):
    model = build_model(specs)
    ok = validate_parameters(model, {"rate": 1, "sizes": [3], "preset": "housing"})
    assert ok.rate == 1.0 and isinstance(ok.rate, float) and ok.sizes == [3]
    for bad in ({"seed": "3"}, {"seed": 1.5}, {"flag": 1}, {"name": 3}, {"sizes": [1.5]},
                {"preset": "bank"}, {"rate": float("nan")}):
        with pytest.raises(ValueError, match=f"parameter '{next(iter(bad))}'"):
            validate_parameters(model, bad)


def test_unknown_parameter_names_the_known_ones(specs):
    with pytest.raises(ValueError, match=r"unknown parameter 'sed' \(known: seed, n_customers"):
        validate_parameters(build_model(specs), {"sed": 1})


def test_error_is_one_line(specs):
    with pytest.raises(ValueError) as exc:
        validate_parameters(build_model(specs), {"seed": "a\nb", "flag": "x"})
    assert "\n" not in str(exc.value).replace("\\n", "")


def test_cli_values_arrive_typed(specs):
    got = parse_assignments(specs, ["seed=7", "rate=1e-3", "flag=true", "sizes=[3, 4]",
                                    "name=[1, 2]", "preset=housing", "n_customers=abc"])
    assert got["seed"] == 7 and got["rate"] == 0.001 and got["flag"] is True
    assert got["sizes"] == [3, 4]
    assert got["name"] == "[1, 2]"  # a str parameter takes the text verbatim
    assert got["n_customers"] == "abc"  # left for the model to refuse
    with pytest.raises(ValueError, match="n_customers"):
        validate_parameters(build_model(specs), got)
    with pytest.raises(ValueError, match="name=value"):
        parse_assignments(specs, ["seed"])


NASTY = ['He said "hi"', "it's", "a\nb", '"""', "'''", "\\", "x\\'; import os #",
         '"; __import__("os").system("touch PWNED") #', "\x00\t\r", "ünïcødé ✓", "{seed}"]


@pytest.mark.parametrize("value", NASTY)
def test_injected_strings_are_data(value):
    src = injection_source({"label": value, "seed": 3})
    tree = ast.parse(src)
    assert all(isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant) for s in tree.body)
    ns: dict = {}
    exec(compile(tree, "<injected>", "exec"), {"__builtins__": {}}, ns)  # no builtins: data only
    assert ns == {"label": value, "seed": 3}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
                       st.one_of(st.text(), st.integers(), st.booleans(),
                                 st.floats(allow_nan=False, allow_infinity=False),
                                 st.lists(st.text(max_size=5), max_size=3)), max_size=4))
def test_injection_round_trips_any_literal(values):
    import keyword

    values = {k: v for k, v in values.items() if not keyword.iskeyword(k)}
    ns: dict = {}
    exec(injection_source(values), {"__builtins__": {}}, ns)
    assert ns == values
    assert all(type(ns[k]) is type(values[k]) for k in values)


def test_non_finite_and_odd_values_refused():
    with pytest.raises(ValueError, match="non-finite"):
        injection_source({"x": float("inf")})
    with pytest.raises(ValueError, match="literal"):
        injection_source({"x": object()})
    with pytest.raises(ValueError, match="identifier"):
        injection_source({"a b": 1})


def test_check_parameters_uses_the_notebook_annotations():
    ns: dict = {}
    exec("seed: int = 2\nrate: float = 0.5\nlabel: str = 'x'\n", ns)
    exec("seed = 5\nrate = 1\n", ns)  # what an injected cell does
    p = check_parameters(ns)
    assert (p.seed, p.rate, p.label) == (5, 1.0, "x")
    exec("seed = '5'\n", ns)
    with pytest.raises(ValueError, match="parameter 'seed'"):
        check_parameters(ns)
    with pytest.raises(ValueError, match="no annotated parameters"):
        check_parameters({})


def test_canonical_json_is_order_free(specs):
    model = build_model(specs)
    a = params.canonical(validate_parameters(model, {"seed": 1, "rate": 2}))
    b = params.canonical(validate_parameters(model, {"rate": 2.0, "seed": 1}))
    assert params.canonical_json(a) == params.canonical_json(b)
    assert list(a) == sorted(a)


# --- ranges and choices (``# help; range: LO..HI`` / ``choices: a, b``) ---------------------

RANGED = '''months: int = 36  # months followed; range: 1..600
k: int = 6  # drop window; it must fit; range: 1..months
caps: list[float] = [1.0, 2.0]  # caps in minutes; range: 0.1..60
rate: float = 0.5  # a share; range: 0..1
seed: int = 0  # seed; range: 0..
target: str = "regular"  # segment; choices: regular, high_end
'''


def _check(cell: str, values: dict) -> None:
    specs = parse_parameters_cell(cell)
    model = build_model(specs)
    params.check_constraints(specs, validate_parameters(model, values).model_dump())


def test_range_is_parsed_off_the_help():
    by = {s.name: s for s in parse_parameters_cell(RANGED)}
    assert by["k"].help == "drop window; it must fit" and by["k"].allowed == "range: 1..months"
    assert by["months"].constraint.low == 1 and by["months"].constraint.high == 600
    assert by["seed"].constraint.high is None
    assert by["target"].constraint.choices == ("regular", "high_end")
    assert by["target"].help == "segment"


@pytest.mark.parametrize("values, needle", [
    ({"months": 0}, "parameter 'months': 0 is outside its range 1..600"),
    ({"months": 601}, "601 is outside its range 1..600"),
    ({"k": 40}, "parameter 'k': 40 is outside its range 1..months (months = 36)"),
    ({"months": 12, "k": 13}, "(months = 12)"),
    ({"caps": [1.0, 60.5]}, "parameter 'caps'[1]: 60.5 is outside its range 0.1..60"),
    ({"rate": -0.01}, "parameter 'rate': -0.01"),
    ({"seed": -1}, "parameter 'seed': -1 is outside its range 0.."),
    ({"target": "vip"}, "parameter 'target': 'vip' is not one of regular, high_end"),
])
def test_values_outside_the_range_are_refused(values, needle):
    with pytest.raises(params.StudyError) as exc:
        _check(RANGED, values)
    assert needle in str(exc.value)


@pytest.mark.parametrize("values", [{}, {"months": 1, "k": 1}, {"months": 600, "k": 600},
                                    {"caps": [0.1, 60]}, {"rate": 1}, {"seed": 10**12},
                                    {"target": "high_end"}])
def test_values_on_the_bounds_pass(values):
    _check(RANGED, values)


@pytest.mark.parametrize("cell, needle", [
    ("x: int = 1  # h; range: 5..1", "is empty (5 > 1)"),
    ("x: int = 1  # h; range: 1...5", "expected 'range: LOW..HIGH'"),
    ("x: int = 1  # h; range: ..", "has no bound"),
    ("x: int = 1  # h; range: 1..nope", "range bound 'nope' is not another int or float"),
    ("x: int = 1  # h; range: 1..x", "range bound 'x' is not another"),
    ("x: str = 'a'  # h; range: 1..2", "has a range but is a str"),
    ("x: int = 1  # h; range: one..2", "range bound 'one' is not another"),
    ("x: int = 1  # h; range: 1..2x", "range bound '2x' is neither a number"),
    ("x: int = 1  # h; choices: a, , b", "has an empty choice"),
])
def test_malformed_ranges_are_refused_naming_the_line(cell, needle):
    with pytest.raises(params.StudyError) as exc:
        parse_parameters_cell(cell)
    assert needle in str(exc.value)


def test_a_default_outside_its_own_range_is_a_broken_notebook(tmp_path):
    import json

    from journey.study.locate import Study
    from journey.study.runner import StudyUsageError, study_parameters

    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": [],
                     "source": "n: int = 0  # size; range: 1..10\n", "execution_count": None}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "broken.ipynb"
    path.write_text(json.dumps(nb))
    with pytest.raises(StudyUsageError, match="parameter 'n': 0 is outside its range 1..10"):
        study_parameters(Study("broken", path))


@pytest.mark.parametrize("study, assignment, needle", [
    ("courtship-and-marriage", "n_customers=-5", "'n_customers': -5 is outside"),
    ("breakdown-attribution", "k=37", "'k': 37 is outside its range 1..months (months = 36)"),
    ("platform-exit", "leads=[0, 30]", "'leads'[1]: 30"),
    ("reproductions", "years=7", "'years': 7 is outside its range 8..50"),
])
def test_study_notebooks_refuse_out_of_range_values_before_a_kernel(monkeypatch, tmp_path, study,
                                                                    assignment, needle):
    from journey.study import runner

    def boom(*a, **k):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(runner, "ensure_kernel", boom)
    with pytest.raises(runner.StudyUsageError) as exc:
        runner.run_study(study, [assignment], reports=tmp_path / "reports")
    assert needle in str(exc.value) and study in str(exc.value)
    assert not (tmp_path / "reports").exists()


def test_every_study_notebook_bounds_its_cohort_size():
    from pathlib import Path

    from journey.study.locate import Study
    from journey.study.runner import study_parameters

    for path in sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb")):
        _, specs = study_parameters(Study(path.stem, path))
        by = {s.name: s for s in specs}
        assert by["n_customers"].constraint.low >= 1, path.stem
        assert by["seed"].constraint.low == 0, path.stem


def test_unknown_parameters_are_one_short_line():
    model = build_model(parse_parameters_cell(RANGED))
    with pytest.raises(params.StudyError) as exc:
        validate_parameters(model, {f"p{i}": i for i in range(10_000)})
    assert len(str(exc.value)) < 600 and "and 9,997 more" in str(exc.value)


@pytest.mark.parametrize("raw", ['{"a": 1, "a": 2}', "{a: 1, a: 2}"])
def test_p_values_refuse_repeated_keys_as_json_and_yaml(raw):
    spec = params.ParamSpec("d", "dict", dict, {})
    with pytest.raises(params.StudyError, match="parameter 'd': .*duplicate key 'a'"):
        params.parse_cli_value(spec, raw)
