"""One safe way to read YAML: every scenario, parameter, grid, map and preset file goes through it.

:func:`load_yaml` reads a file, :func:`parse_yaml` a text. Both use PyYAML's safe loader (no
Python objects) with limits checked *before* anything is built, so a hostile or broken file
fails at once, in bounded time and memory, with one line naming the file, the line and what
was expected:

- size: at most :data:`MAX_BYTES` (1 MB; a scenario is about 4 kB), checked on the file's size
  before it is read;
- text: UTF-8 without NUL bytes (a binary file is refused, naming the byte offset);
- nesting: at most :data:`MAX_DEPTH` levels of lists and mappings;
- aliases: at most :data:`MAX_ALIASES` uses of ``*alias``, no alias inside its own anchor, and
  at most :data:`MAX_NODES` values once every alias is expanded. A "billion laughs" file
  (nine levels of nine aliases, 350 bytes, 10^9 values) is refused after composing its few
  dozen nodes, before any list is built;
- keys: text only (``1:``, ``yes:`` or ``2024-01-01:`` as a key is refused; quote it), each
  key once per mapping (a repeated key names both lines).

Errors are the caller's kind (:class:`~journey.errors.ScenarioError` for a scenario,
:class:`~journey.errors.StudyError` for a parameter or grid file, ...); a file that cannot be
read at all (missing, a folder, no permission) is a :class:`~journey.errors.JourneyIOError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from journey.errors import JourneyError, JourneyIOError

MAX_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_ALIASES = 200
MAX_NODES = 1_000_000

__all__ = ["MAX_ALIASES", "MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "YamlRefused", "load_yaml",
           "parse_yaml", "safe_load"]


class YamlRefused(ValueError):
    """The text breaks one of the loader's limits or rules (the message says which, and the
    line). Syntax errors stay :class:`yaml.YAMLError`."""


def _line(node: Any) -> int:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else 0


_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when installed


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader whose mappings refuse repeated and non-text keys."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = _line(key_node)
                if not isinstance(key, str):
                    raise YamlRefused(f"line {line}: key {key_node.value!r} reads as {_kind(key)},"
                                      " not text; keys must be text (write it in quotes)")
                if key in first:
                    raise YamlRefused(f"line {line}: duplicate key '{_short(key, 60)}' (first"
                                      f" at line {first[key]})")
                first[key] = line
        return super().construct_mapping(node, deep=deep)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "empty (null)"
    return f"a {type(value).__name__}"


def _short(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Shape:
    """Walks the composed nodes once (shared nodes once) before anything is constructed:
    depth, alias uses, self-reference and the size once aliases are expanded."""

    def __init__(self) -> None:
        self.done: dict[int, tuple[int, int]] = {}  # node id -> (expanded size, height)
        self.open: set[int] = set()
        self.aliases = 0

    def walk(self, node: Any, depth: int = 1) -> tuple[int, int]:
        key = id(node)
        if key in self.open:
            raise YamlRefused(f"line {_line(node)}: an alias refers to its own anchor"
                              " (a recursive value)")
        if key in self.done:
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise YamlRefused(f"line {_line(node)}: more than {MAX_ALIASES} aliases"
                                  " (*name); write the values out")
            size, height = self.done[key]
        else:
            size, height = self._visit(node, depth, key)
        if depth + height - 1 > MAX_DEPTH:
            raise YamlRefused(f"line {_line(node)}: nested deeper than {MAX_DEPTH} levels")
        return size, height

    def _visit(self, node: Any, depth: int, key: int) -> tuple[int, int]:
        if depth > MAX_DEPTH:
            raise YamlRefused(f"line {_line(node)}: nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            self.done[key] = (1, 1)
            return 1, 1
        self.open.add(key)
        size, height = 1, 1
        for child in children:
            s, h = self.walk(child, depth + 1)
            size, height = size + s, max(height, h + 1)
            if size > MAX_NODES:
                raise YamlRefused(f"line {_line(node)}: more than {MAX_NODES:,} values once"
                                  " its aliases are expanded (an alias bomb?)")
        self.open.discard(key)
        self.done[key] = (size, height)
        return size, height


def safe_load(text: str) -> Any:
    """Parse ``text`` as one YAML document within the limits; :class:`YamlRefused` or
    :class:`yaml.YAMLError` otherwise. Nothing is built before the limits are checked."""
    if len(text) > MAX_BYTES:
        raise YamlRefused(f"{len(text):,} characters; at most {MAX_BYTES:,} are read")
    if "\x00" in text:
        raise YamlRefused(f"holds a NUL byte at offset {text.index(chr(0))}; not a text file")
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:  # the pure-Python composer on very deep nesting
            raise YamlRefused(f"nested deeper than {MAX_DEPTH} levels") from None
        if node is None:
            return None
        _Shape().walk(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _message(exc: Exception) -> str:
    if isinstance(exc, YamlRefused):
        return str(exc)
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    opened = (f" ({context} from line {start.line + 1}, column {start.column + 1})"
              if context and start is not None else "")
    return f"not valid YAML: {where}{_short(problem, 120)}{_short(opened, 120)}"


def parse_yaml(text: str, source: str, error: type[JourneyError]) -> Any:
    """:func:`safe_load` with any refusal or syntax error raised as ``error('source: ...')``."""
    try:
        return safe_load(text)
    except (YamlRefused, yaml.YAMLError) as exc:
        raise error(f"{source}: {_message(exc)}") from None


def _read_text(path: Path, source: str, error: type[JourneyError]) -> str:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise JourneyIOError(f"{source}: is a folder; expected a YAML file")
        if size > MAX_BYTES:
            raise error(f"{source}: {size:,} bytes; a YAML file may hold at most"
                        f" {MAX_BYTES:,} bytes (1 MB)")
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise JourneyIOError(f"{source}: no such file") from None
    except OSError as exc:
        raise JourneyIOError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise error(f"{source}: more than {MAX_BYTES:,} bytes; a YAML file may hold at most"
                    f" {MAX_BYTES:,} bytes (1 MB)")
    if b"\x00" in data:
        raise error(f"{source}: not a text file (a NUL byte at offset {data.index(0)});"
                    " expected YAML")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{source}: not a UTF-8 text file (byte 0x{data[exc.start]:02x} at offset"
                    f" {exc.start}); expected YAML") from None


def load_yaml(path: str | os.PathLike[str], what: str, error: type[JourneyError]) -> Any:
    """Read the YAML file at ``path`` within the limits of this module.

    ``what`` names the file for the user (``"scenario file"``); every error starts with
    ``"<what> <path>: "`` and is an ``error``, or a :class:`JourneyIOError` when the file
    cannot be read. An empty file is ``None``.
    """
    path = Path(path)
    source = f"{what} {path}" if what else str(path)
    return parse_yaml(_read_text(path, source, error), source, error)
