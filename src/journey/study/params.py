"""Typed study parameters, derived from a notebook's ``parameters`` cell.

A parameters cell holds annotated literals with a help comment::

    seed: int = 2  # random seed
    n_customers: int = 2000  # cohort size
    preset: Literal["telecom", "housing"] = "telecom"  # scenario preset

:func:`parse_parameters_cell` turns that into :class:`ParamSpec` entries, :func:`build_model` into a
strict pydantic model (unknown names are refused, ``"3"`` is not an ``int``, ``1`` is not a
``bool``; an ``int`` is accepted for a ``float``). The same model validates the values before any
kernel starts (:func:`validate_parameters`) and inside the notebook (:func:`check_parameters`).

Values reach the kernel as Python literals written with :func:`repr` and checked to read back equal
with :func:`ast.literal_eval` (:func:`injection_source`), so a string parameter is data, never code.
"""

from __future__ import annotations

import ast
import io
import json
import math
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Optional, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

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


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a study: its name, type, default and help text."""

    name: str
    annotation: str  # as written in the notebook, e.g. "list[float]"
    type: Any
    default: Any
    help: str = ""


def _eval_annotation(text: str, where: str) -> Any:
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in _TYPE_NAMES:
            raise ValueError(f"{where}: type {text!r} uses {node.id!r}; allowed: "
                             + ", ".join(k for k in _TYPE_NAMES if k != "None"))
        if isinstance(node, ast.Attribute):  # typing.Literal -> Literal
            if not (isinstance(node.value, ast.Name) and node.value.id == "typing"):
                raise ValueError(f"{where}: type {text!r} is not a plain type")
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


def parse_parameters_cell(source: str, where: str = "parameters cell") -> list[ParamSpec]:
    """Parse ``name: type = literal  # help`` lines into :class:`ParamSpec` entries.

    Imports (``from typing import Literal``) and comment lines are allowed; any other statement,
    or a default that is not a literal, raises ``ValueError`` naming the line.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"{where}: line {exc.lineno}: {exc.msg}") from None
    comments = _comments_by_line(source)
    specs: list[ParamSpec] = []
    for stmt in tree.body:
        loc = f"{where}, line {stmt.lineno}"
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            continue
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is None:
                raise ValueError(f"{loc}: parameter {stmt.target.id!r} has no default value")
            name, ann_text, value_node = stmt.target.id, ast.unparse(stmt.annotation), stmt.value
            typ = _eval_annotation(ann_text, loc)
        elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
              and isinstance(stmt.targets[0], ast.Name)):
            # Un-annotated literal: its type is the literal's type.
            name, value_node = stmt.targets[0].id, stmt.value
            typ, ann_text = None, ""
        else:
            raise ValueError(f"{loc}: expected 'name: type = literal  # help', "
                             f"got {ast.unparse(stmt)!r}")
        try:
            default = ast.literal_eval(value_node)
        except ValueError:
            raise ValueError(f"{loc}: default of {name!r} must be a literal, "
                             f"got {ast.unparse(value_node)!r}") from None
        if typ is None:
            typ = type(default)
            ann_text = typ.__name__
        end = getattr(stmt, "end_lineno", stmt.lineno) or stmt.lineno
        help_text = comments.get(end, comments.get(stmt.lineno, ""))
        if any(s.name == name for s in specs):
            raise ValueError(f"{loc}: parameter {name!r} defined twice")
        specs.append(ParamSpec(name, ann_text, typ, default, help_text))
    if not specs:
        raise ValueError(f"{where}: defines no parameters")
    return specs


def build_model(specs: Iterable[ParamSpec], name: str = "StudyParameters") -> type[BaseModel]:
    """A strict pydantic model with one field per parameter (defaults validated too)."""
    fields = {s.name: (s.type, s.default) for s in specs}
    config = ConfigDict(strict=True, extra="forbid", validate_default=True, allow_inf_nan=False,
                        frozen=True)
    return create_model(name, __config__=config, **fields)  # type: ignore[call-overload]


def _type_name(t: Any) -> str:
    return getattr(t, "__name__", None) or str(t).replace("typing.", "")


def _one_line(exc: ValidationError, model: type[BaseModel]) -> str:
    parts = []
    for err in exc.errors():
        loc = err["loc"]
        pname = str(loc[0]) if loc else "?"
        if err["type"] == "extra_forbidden":
            known = ", ".join(model.model_fields)
            parts.append(f"unknown parameter {pname!r} (known: {known})")
            continue
        field = model.model_fields.get(pname)
        want = _type_name(field.annotation) if field is not None else "?"
        sub = "".join(f"[{x}]" for x in loc[1:])
        got = err.get("input")
        parts.append(f"parameter {pname!r}{sub}: expected {want}, got {got!r} "
                     f"({type(got).__name__}): {err['msg']}")
    return "; ".join(parts)


def validate_parameters(model: type[BaseModel], values: Mapping[str, Any]) -> BaseModel:
    """Validate ``values`` (defaults fill the rest); ``ValueError`` with one line on failure."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        raise ValueError(_one_line(exc, model)) from None


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
        return json.loads(raw)
    except ValueError:
        pass
    import yaml

    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw


def parse_assignments(specs: Iterable[ParamSpec], items: Iterable[str]) -> dict[str, Any]:
    """``["seed=3", "name=x"]`` → typed dict; unknown names are kept for the model to refuse."""
    by_name = {s.name: s for s in specs}
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"parameter {item!r}: expected name=value")
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
        raise ValueError(f"parameter {name!r}: non-finite float {value!r} is not allowed")
    text = repr(value)
    try:
        back = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(f"parameter {name!r}: value {value!r} has no literal form") from None
    if back != value or type(back) is not type(value):
        raise ValueError(f"parameter {name!r}: value {value!r} does not round-trip as a literal")
    return text


def injection_source(params: Mapping[str, Any]) -> str:
    """Source of the cell that sets the parameters in the kernel: ``name = <literal>`` lines."""
    lines = ["# Parameters injected by `journey run` (literals only)"]
    for name, value in params.items():
        if not name.isidentifier():
            raise ValueError(f"parameter {name!r}: not a Python identifier")
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
        raise ValueError("check_parameters: no annotated parameters found; "
                         "run the 'parameters' cell first")
    specs = []
    for name, typ in annotations.items():
        if isinstance(typ, str):
            typ = _eval_annotation(typ, f"annotation of {name}")
        if name not in namespace:
            raise ValueError(f"parameter {name!r}: annotated but not set")
        specs.append(ParamSpec(name, _type_name(typ), typ, namespace[name]))
    model = build_model(specs)
    return validate_parameters(model, {s.name: s.default for s in specs})
