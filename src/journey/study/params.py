"""Typed study parameters, derived from a notebook's ``parameters`` cell.

A parameters cell holds annotated literals with a help comment::

    seed: int = 2  # random seed
    n_customers: int = 2000  # cohort size
    preset: Literal["telecom", "housing"] = "telecom"  # scenario preset

:func:`parse_parameters_cell` turns that into :class:`ParamSpec` entries, :func:`build_model` into a
strict pydantic model (unknown names are refused, ``"3"`` is not an ``int``, ``1`` is not a
``bool``; an ``int`` is accepted for a ``float``). The same model validates the values before any
kernel starts (:func:`validate_parameters`) and inside the notebook (:func:`check_parameters`).

A help comment may end with constraints, each after a ``;``, checked (after the types) before
any kernel starts and shown by ``journey list``::

    n_customers: int = 2000  # cohort size; range: 1..10_000_000
    k: int = 6  # months after signing; range: 1..months   (a bound may name another parameter)
    rate: float = 0.5  # a share; range: 0..1
    caps: list[float] = [1.0, 2.0]  # caps in minutes; range: 0.1..60   (every element)
    target: str = "regular"  # segment; choices: regular, high_end

``range: LO..HI`` is closed (``LO <= value <= HI``); either side may be left out (``1..``).

Values reach the kernel as Python literals written with :func:`repr` and checked to read back equal
with :func:`ast.literal_eval` (:func:`injection_source`), so a string parameter is data, never code.
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Optional, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from journey.errors import StudyError

# Names an annotation may use; anything else in an annotation is refused.
_TYPE_NAMES: dict[str, Any] = {
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "list": list,
    "dict": dict,
    "tuple": tuple,
    "Literal": Literal,
    "Optional": Optional,
    "Union": Union,
    "None": None,
}


Bound = int | float | str  # a number, or the name of another parameter


@dataclass(frozen=True)
class Constraint:
    """``range: LO..HI`` (closed; a side may be None, or name another parameter) and/or
    ``choices: a, b``; applies to the value, or to every element of a list."""

    low: Bound | None = None
    high: Bound | None = None
    choices: tuple[Any, ...] | None = None
    range_text: str = ""  # as written, e.g. "1..months"

    @property
    def text(self) -> str:
        """As in the notebook: ``range: 1..months; choices: a, b``."""
        parts = [f"range: {self.range_text}"] if self.range_text else []
        if self.choices is not None:
            parts.append("choices: " + ", ".join(map(str, self.choices)))
        return "; ".join(parts)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a study: its name, type, default, help text and constraint."""

    name: str
    annotation: str  # as written in the notebook, e.g. "list[float]"
    type: Any
    default: Any
    help: str = ""
    constraint: Constraint | None = None

    @property
    def allowed(self) -> str:
        """The constraint as written in the notebook (``range: 1..months``), or ''."""
        return self.constraint.text if self.constraint else ""


def _eval_annotation(text: str, where: str) -> Any:
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in _TYPE_NAMES:
            raise StudyError(f"{where}: type {text!r} uses {node.id!r}; allowed: "
                             + ", ".join(k for k in _TYPE_NAMES if k != "None"))
        if isinstance(node, ast.Attribute):  # typing.Literal -> Literal
            if not (isinstance(node.value, ast.Name) and node.value.id == "typing"):
                raise StudyError(f"{where}: type {text!r} is not a plain type")
    text = text.replace("typing.", "")
    return eval(compile(text, where, "eval"), {"__builtins__": {}}, dict(_TYPE_NAMES))  # noqa: S307


def _comments_by_line(source: str) -> dict[int, str]:
    out: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return out


_CLAUSE = re.compile(r"^\s*(range|choices)\s*:\s*(.*?)\s*$")
_NUMBERS = (int, float, list[int], list[float], int | None, float | None)


def _split_help(comment: str, loc: str) -> tuple[str, Constraint | None]:
    """``"cohort size; range: 1..10"`` → ``("cohort size", Constraint(1, 10))``."""
    parts = comment.split(";")
    keep, low, high, choices, range_text = [], None, None, None, ""
    for part in parts:
        m = _CLAUSE.match(part)
        if m is None:
            keep.append(part)
            continue
        kind, body = m.groups()
        if kind == "range":
            low, high = _parse_range(body, loc)
            range_text = body
        else:
            choices = _parse_choices(body, loc)
    text = ";".join(keep).strip()
    if not range_text and choices is None:
        return text, None
    return text, Constraint(low, high, choices, range_text)


def _bound(text: str, loc: str) -> Bound | None:
    text = text.strip()
    if not text:
        return None
    if text.isidentifier():
        return text
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise StudyError(f"{loc}: range bound {text!r} is neither a number nor a parameter name")
    return value


def _parse_range(body: str, loc: str) -> tuple[Bound | None, Bound | None]:
    if body.count("..") != 1 or "..." in body:
        raise StudyError(f"{loc}: expected 'range: LOW..HIGH', got 'range: {body}'")
    lo_text, hi_text = body.split("..")
    low, high = _bound(lo_text, loc), _bound(hi_text, loc)
    if low is None and high is None:
        raise StudyError(f"{loc}: 'range: {body}' has no bound")
    if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
        raise StudyError(f"{loc}: 'range: {body}' is empty ({low} > {high})")
    return low, high


def _parse_choices(body: str, loc: str) -> tuple[Any, ...]:
    out = []
    for item in (x.strip() for x in body.split(",")):
        if not item:
            raise StudyError(f"{loc}: 'choices: {body}' has an empty choice")
        try:
            out.append(ast.literal_eval(item))
        except (ValueError, SyntaxError):
            out.append(item)
    return tuple(out)


def _check_constraint_targets(specs: list[ParamSpec], where: str) -> None:
    """A range belongs on a number (or a list of numbers); a named bound is another number."""
    by_name = {s.name: s for s in specs}
    for s in specs:
        c = s.constraint
        if c is None:
            continue
        has_range = c.low is not None or c.high is not None
        if has_range and s.type not in _NUMBERS:
            raise StudyError(f"{where}: parameter {s.name!r} has a range but is a"
                             f" {s.annotation}; a range applies to numbers")
        for b in (c.low, c.high):
            if isinstance(b, str):
                other = by_name.get(b)
                if other is None or other.type not in (int, float) or b == s.name:
                    raise StudyError(f"{where}: parameter {s.name!r}: range bound {b!r} is not"
                                     " another int or float parameter of this cell")


def parse_parameters_cell(source: str, where: str = "parameters cell") -> list[ParamSpec]:
    """Parse ``name: type = literal  # help`` lines into :class:`ParamSpec` entries.

    Imports (``from typing import Literal``) and comment lines are allowed; any other statement,
    or a default that is not a literal, raises :class:`StudyError` naming the line.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise StudyError(f"{where}: line {exc.lineno}: {exc.msg}") from None
    comments = _comments_by_line(source)
    specs: list[ParamSpec] = []
    for stmt in tree.body:
        loc = f"{where}, line {stmt.lineno}"
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            continue
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is None:
                raise StudyError(f"{loc}: parameter {stmt.target.id!r} has no default value")
            name, ann_text, value_node = stmt.target.id, ast.unparse(stmt.annotation), stmt.value
            typ = _eval_annotation(ann_text, loc)
        elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
              and isinstance(stmt.targets[0], ast.Name)):
            # Un-annotated literal: its type is the literal's type.
            name, value_node = stmt.targets[0].id, stmt.value
            typ, ann_text = None, ""
        else:
            raise StudyError(f"{loc}: expected 'name: type = literal  # help', "
                             f"got {ast.unparse(stmt)!r}")
        try:
            default = ast.literal_eval(value_node)
        except ValueError:
            raise StudyError(f"{loc}: default of {name!r} must be a literal, "
                             f"got {ast.unparse(value_node)!r}") from None
        if typ is None:
            typ = type(default)
            ann_text = typ.__name__
        end = getattr(stmt, "end_lineno", stmt.lineno) or stmt.lineno
        help_text, constraint = _split_help(comments.get(end, comments.get(stmt.lineno, "")),
                                            loc)
        if any(s.name == name for s in specs):
            raise StudyError(f"{loc}: parameter {name!r} defined twice")
        specs.append(ParamSpec(name, ann_text, typ, default, help_text, constraint))
    if not specs:
        raise StudyError(f"{where}: defines no parameters")
    _check_constraint_targets(specs, where)
    return specs


def _fmt(v: Any) -> str:
    return f"{v:_}" if isinstance(v, int) and not isinstance(v, bool) else repr(v)


def _outside(c: Constraint, v: Any, values: Mapping[str, Any]) -> str | None:
    """Why ``v`` breaks ``c`` (the bound's value shown when it names a parameter), or None."""
    if c.choices is not None and v not in c.choices:
        return f"not one of {', '.join(map(str, c.choices))}"
    if v is None or isinstance(v, bool) or not isinstance(v, int | float):
        return None
    for side, b in (("low", c.low), ("high", c.high)):
        if b is None:
            continue
        limit = values.get(b) if isinstance(b, str) else b
        if not isinstance(limit, int | float):
            continue
        if (side == "low" and v < limit) or (side == "high" and v > limit):
            named = f" ({b} = {_fmt(limit)})" if isinstance(b, str) else ""
            return f"outside its range {c.range_text}{named}"
    return None


def check_constraints(specs: Iterable[ParamSpec], values: Mapping[str, Any]) -> None:
    """Check every ``range:`` and ``choices:`` of ``specs`` against the typed ``values``
    (a list: each element); :class:`StudyError` naming the parameter, value and range."""
    for s in specs:
        if s.constraint is None or s.name not in values:
            continue
        value = values[s.name]
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for i, v in items:
            why = _outside(s.constraint, v, values)
            if why is not None:
                sub = "" if i is None else f"[{i}]"
                raise StudyError(f"parameter {s.name!r}{sub}: {_fmt(v)} is {why}")


def build_model(specs: Iterable[ParamSpec], name: str = "StudyParameters") -> type[BaseModel]:
    """A strict pydantic model with one field per parameter (defaults validated too)."""
    fields = {s.name: (s.type, s.default) for s in specs}
    config = ConfigDict(strict=True, extra="forbid", validate_default=True, allow_inf_nan=False,
                        frozen=True)
    return create_model(name, __config__=config, **fields)  # type: ignore[call-overload]


def _type_name(t: Any) -> str:
    return getattr(t, "__name__", None) or str(t).replace("typing.", "")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


SHOWN_ERRORS = 3  # problems listed in one message; the rest are counted


def _one_line(exc: ValidationError, model: type[BaseModel]) -> str:
    """The first :data:`SHOWN_ERRORS` problems, values cut short, and the count of the rest."""
    parts = []
    errors = exc.errors(include_url=False)
    for err in errors[:SHOWN_ERRORS]:
        loc = err["loc"]
        pname = str(loc[0])[:60] if loc else "?"
        if err["type"] == "extra_forbidden":
            known = ", ".join(model.model_fields)
            parts.append(f"unknown parameter {pname!r} (known: {known})")
            continue
        field = model.model_fields.get(pname)
        want = _type_name(field.annotation) if field is not None else "?"
        sub = "".join(f"[{x}]" for x in loc[1:])
        got = err.get("input")
        parts.append(f"parameter {pname!r}{sub}: expected {want}, got {_short(got)} "
                     f"({type(got).__name__}): {err['msg']}")
    if len(errors) > SHOWN_ERRORS:
        parts.append(f"and {len(errors) - SHOWN_ERRORS:,} more")
    return "; ".join(parts)


def validate_parameters(model: type[BaseModel], values: Mapping[str, Any]) -> BaseModel:
    """Validate ``values`` (defaults fill the rest); :class:`StudyError` with one line on
    failure."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        raise StudyError(_one_line(exc, model)) from None


def _wants_raw_string(t: Any) -> bool:
    if t is str:
        return True
    origin, args = get_origin(t), get_args(t)
    if origin is Literal:
        return all(isinstance(a, str) for a in args)
    return False


def parse_cli_value(spec: ParamSpec, raw: str) -> Any:
    """Turn the text of ``-p name=text`` into a typed value for ``spec``.

    A ``str`` parameter takes the text verbatim (quotes, newlines and code stay data); other types
    read it as JSON, then YAML (so ``true``, ``1e3``, ``[1, 2]`` and ``{a: 1}`` work), and the
    strict model then checks the type.
    """
    if _wants_raw_string(spec.type):
        return raw
    try:
        return json.loads(raw, object_pairs_hook=lambda pairs: _unique(pairs, spec.name))
    except StudyError:
        raise
    except ValueError:
        pass
    except RecursionError:
        raise StudyError(f"parameter {spec.name!r}: nested too deeply") from None
    import yaml

    from journey.yaml_io import YamlRefused, safe_load

    try:
        return safe_load(raw)
    except yaml.YAMLError:
        return raw
    except YamlRefused as exc:
        raise StudyError(f"parameter {spec.name!r}: {exc}") from None


def _unique(pairs: list[tuple[str, Any]], name: str) -> dict[str, Any]:
    """A JSON object whose keys are each given once (as the YAML loader requires)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise StudyError(f"parameter {name!r}: duplicate key {key[:60]!r}")
        out[key] = value
    return out


def parse_assignments(specs: Iterable[ParamSpec], items: Iterable[str]) -> dict[str, Any]:
    """``["seed=3", "name=x"]`` → typed dict; unknown names are kept for the model to refuse."""
    by_name = {s.name: s for s in specs}
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise StudyError(f"parameter {item!r}: expected name=value")
        name, raw = item.split("=", 1)
        name = name.strip()
        spec = by_name.get(name)
        out[name] = parse_cli_value(spec, raw) if spec is not None else raw
    return out


def canonical(params: BaseModel) -> dict[str, Any]:
    """Parameters as a plain, JSON-ready dict in a stable key order."""
    return dict(sorted(params.model_dump(mode="json").items()))


def canonical_json(params: Mapping[str, Any]) -> str:
    return json.dumps(dict(params), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _literal(value: Any, name: str) -> str:
    """``repr(value)`` after checking it reads back equal as a pure literal."""
    if isinstance(value, float) and not math.isfinite(value):
        raise StudyError(f"parameter {name!r}: non-finite float {value!r} is not allowed")
    text = repr(value)
    try:
        back = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise StudyError(f"parameter {name!r}: value {value!r} has no literal form") from None
    if back != value or type(back) is not type(value):
        raise StudyError(f"parameter {name!r}: value {value!r} does not round-trip as a literal")
    return text


def injection_source(params: Mapping[str, Any]) -> str:
    """Source of the cell that sets the parameters in the kernel: ``name = <literal>`` lines."""
    lines = ["# Parameters injected by `journey run` (literals only)"]
    for name, value in params.items():
        if not name.isidentifier():
            raise StudyError(f"parameter {name!r}: not a Python identifier")
        lines.append(f"{name} = {_literal(value, name)}")
    return "\n".join(lines) + "\n"


def check_parameters(namespace: Mapping[str, Any]) -> BaseModel:
    """Validate the notebook's parameters where they live: call ``check_parameters(globals())``.

    The model comes from the annotations the parameters cell left in ``__annotations__``, so a
    JupyterLab user gets the same strict check as ``journey run``. Returns the validated values
    (attribute access: ``p.seed``).
    """
    annotations = dict(namespace.get("__annotations__", {}) or {})
    if not annotations:
        raise StudyError("check_parameters: no annotated parameters found; "
                         "run the 'parameters' cell first")
    specs = []
    for name, typ in annotations.items():
        if isinstance(typ, str):
            typ = _eval_annotation(typ, f"annotation of {name}")
        if name not in namespace:
            raise StudyError(f"parameter {name!r}: annotated but not set")
        specs.append(ParamSpec(name, _type_name(typ), typ, namespace[name]))
    model = build_model(specs)
    return validate_parameters(model, {s.name: s.default for s in specs})
