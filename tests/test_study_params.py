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
