"""The one YAML loader (journey.yaml_io): its limits hold before anything is built."""

from __future__ import annotations

from itertools import pairwise

import pytest

from journey import yaml_io
from journey.errors import JourneyIOError, ScenarioError, StudyError
from journey.yaml_io import MAX_ALIASES, MAX_BYTES, MAX_DEPTH, YamlRefused, load_yaml, safe_load


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    names = [chr(ord("a") + i) for i in range(levels)]
    rows = [f"a: &a [{', '.join(['lol'] * width)}]"]
    rows += [f"{n}: &{n} [{', '.join([f'*{p}'] * width)}]" for p, n in pairwise(names)]
    return "\n".join(rows) + "\n"


@pytest.fixture
def no_construction(monkeypatch):
    """Building any Python object from the document fails the test."""
    def boom(self, node):
        raise AssertionError("the document was constructed")

    monkeypatch.setattr(yaml_io._Loader, "construct_document", boom)


def test_alias_bomb_is_refused_before_construction(no_construction):
    text = billion_laughs()
    assert len(text) < 400  # 9^9 = 387,420,489 strings once expanded
    with pytest.raises(YamlRefused, match="values once its aliases are expanded"):
        safe_load(text)


def test_a_small_alias_tree_is_fine():
    data = safe_load(billion_laughs(levels=3, width=3))
    assert data["c"] == [[["lol"] * 3] * 3] * 3


@pytest.mark.parametrize("text, needle", [
    ("a: &a [1, *a]\n", "refers to its own anchor"),
    ("x: &x 1\ny: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n", "more than 200 aliases"),
    ("x: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", "nested deeper than 32"),
    ("x: &x " + "[" * 20 + "]" * 20 + "\ny: " + "[" * 20 + "*x" + "]" * 20 + "\n",
     "nested deeper than 32"),  # each half is shallow; the alias makes it 41 deep
], ids=["recursive", "aliases", "depth", "depth-through-alias"])
def test_shape_limits(no_construction, text, needle):
    with pytest.raises(YamlRefused, match=needle):
        safe_load(text)


def test_exactly_at_the_depth_limit_is_fine():
    text = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)  # plus the top mapping: MAX_DEPTH
    assert safe_load("x: " + text) is not None


@pytest.mark.parametrize("text, needle", [
    ("a: 1\nb: 2\na: 3\n", "line 3: duplicate key 'a' (first at line 1)"),
    ("outer:\n  k: 1\n  k: 2\n", "line 3: duplicate key 'k' (first at line 2)"),
    ("a: 1\n2: b\n", "line 2: key '2' reads as a number"),
    ("yes: 1\n", "key 'yes' reads as true/false"),
    ("2024-01-31: 1\n", "reads as a date"),
    ("~: 1\n", "reads as empty (null)"),
])
def test_keys_are_text_and_given_once(text, needle):
    with pytest.raises(YamlRefused) as exc:
        safe_load(text)
    assert needle in str(exc.value)


def test_merge_keys_and_quoted_keys_still_work():
    data = safe_load("base: &b {x: 1, y: 2}\nmine:\n  <<: *b\n  y: 3\n'1': one\n")
    assert data["mine"] == {"x": 1, "y": 3} and data["1"] == "one"


def test_too_long_text_is_refused_without_parsing(monkeypatch):
    monkeypatch.setattr(yaml_io, "_Loader", None)  # parsing would fail differently
    with pytest.raises(YamlRefused, match="at most 1,000,000"):
        safe_load("a" * (MAX_BYTES + 1))


def test_file_size_is_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:  # sparse: nothing is written but the size
        fh.truncate(50 * MAX_BYTES)

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(type(path), "open", no_reading)
    with pytest.raises(ScenarioError,
                       match=r"scenario file .*big.yaml: 50,000,000 bytes; .*\(1 MB\)"):
        load_yaml(path, "scenario file", ScenarioError)


def test_binary_and_undecodable_files_name_the_file(tmp_path):
    png = tmp_path / "grid.yaml"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(StudyError, match=r"grid file .*grid.yaml: not a text file \(a NUL byte"
                                         r" at offset 8\)"):
        load_yaml(png, "grid file", StudyError)
    latin = tmp_path / "s.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"s.yaml: not a UTF-8 text file \(byte 0xe9 at"
                                            r" offset 9\)"):
        load_yaml(latin, "scenario file", ScenarioError)


def test_unreadable_paths_are_io_errors(tmp_path):
    with pytest.raises(JourneyIOError, match="nope.yaml: no such file"):
        load_yaml(tmp_path / "nope.yaml", "parameter file", StudyError)
    with pytest.raises(JourneyIOError, match="is a folder"):
        load_yaml(tmp_path, "parameter file", StudyError)


def test_syntax_errors_name_the_line_and_the_opening(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("a: 1\nb: [1, 2\n")
    with pytest.raises(ScenarioError) as exc:
        load_yaml(path, "scenario file", ScenarioError)
    msg = str(exc.value)
    assert "not valid YAML: line 3" in msg and "from line 2, column 4" in msg
    assert "\n" not in msg


def test_utf8_bom_empty_and_plain_files(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(b"\xef\xbb\xbfread_share: 0.4\n")
    assert load_yaml(path, "", ScenarioError) == {"read_share": 0.4}
    path.write_text("")
    assert load_yaml(path, "", ScenarioError) is None
