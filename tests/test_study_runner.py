"""The study runner end to end on toy notebooks (tests/notebooks/), in temporary report dirs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from journey.study import cache, runner
from journey.study.runner import StudyFailed, run_study

NB = Path(__file__).parent / "notebooks"
TOY = str(NB / "toy.ipynb")
FAILS = str(NB / "fails.ipynb")
NASTY = ('He said "hi"; it\'s\n"""\nimport os; os.system("touch PWNED") #\n'
         '__import__("os").remove("x")')


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="module")
def first(reports):
    return run_study(TOY, reports=reports)


@pytest.fixture(scope="module")
def forced(reports, first):
    snapshot = {p.relative_to(first.path): p.read_bytes()
                for p in first.path.rglob("*") if p.is_file()}
    again = run_study(TOY, reports=reports, force=True)
    return snapshot, again


@pytest.fixture(scope="module")
def changed(reports, first, tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cwd")
    old = os.getcwd()
    os.chdir(cwd)  # a stray os.system("touch PWNED") would land here
    try:
        return run_study(TOY, [f"label={NASTY}", "weights=[0.5, 3]"], reports=reports), cwd
    finally:
        os.chdir(old)


def test_run_layout(first, reports):
    assert first.status == "ok"
    assert first.path == reports / "toy" / first.run_id
    names = {p.relative_to(first.path).as_posix() for p in first.path.rglob("*") if p.is_file()}
    assert names == {"toy.ipynb", "toy.html", "metrics.json", "manifest.json",
                     "figures/lifetimes.png"}
    assert not list((reports / "toy" / ".staging").iterdir())
    m = json.loads((first.path / "manifest.json").read_text())
    assert m["status"] == "ok" and m["run_id"] == first.run_id and m["seed"] == 1
    assert m["headline_metrics"] == ["mean_lifetime"]
    assert m["parameters"] == {"label": "toy", "n_customers": 200, "rate": 0.1, "seed": 1,
                               "verbose": False, "weights": [1.0, 2.0]}
    assert len(m["inputs"]["notebook"]["sha256"]) == 64
    assert m["versions"]["journey"] and m["versions"]["papermill"]
    assert set(m["git"]) == {"commit", "dirty"}
    assert m["timings"]["execute_s"] > 0 and m["cache"]["key"].startswith(first.run_id)
    html = (first.path / "toy.html").read_text()
    assert "data:image/png;base64" in html  # figure inline
    assert "rng.geometric" not in html  # code hidden by default
    assert "mean lifetime" in html


def test_types_arrive_in_the_kernel(first):
    assert first.metrics["types"] == ["int", "float", "str", "list", "bool"]
    assert first.metrics["weights"] == [1.0, 2.0]


def test_same_parameters_give_identical_metrics_and_figures(forced, first):
    snapshot, again = forced
    assert again.status == "ok" and again.run_id == first.run_id
    assert (again.path / "metrics.json").read_bytes() == snapshot[Path("metrics.json")]
    assert (again.path / "figures/lifetimes.png").read_bytes() == \
        snapshot[Path("figures/lifetimes.png")]
    # the PNG carries no time or version stamp
    assert b"Software" not in snapshot[Path("figures/lifetimes.png")]
    assert b"matplotlib" not in snapshot[Path("figures/lifetimes.png")]


def test_unchanged_run_is_cached(forced, reports):
    again = run_study(TOY, reports=reports)
    assert again.status == "cached"
    assert again.metrics == json.loads((again.path / "metrics.json").read_text())


def test_changed_parameter_new_run_and_manifest(changed, first):
    result, _ = changed
    assert result.run_id != first.run_id
    m_old = json.loads((first.path / "manifest.json").read_text())
    m_new = json.loads((result.path / "manifest.json").read_text())
    assert m_new["parameters"]["weights"] == [0.5, 3.0] != m_old["parameters"]["weights"]
    assert m_new["cache"]["key"] != m_old["cache"]["key"]
    assert first.path.exists()  # the other run stays


def test_string_parameter_is_data_not_code(changed):
    result, cwd = changed
    assert result.metrics["label"] == NASTY
    assert list(cwd.iterdir()) == []
    assert not (Path(TOY).parent / "PWNED").exists()
    nb = json.loads((result.path / "toy.ipynb").read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1


def test_explain_says_why(reports, first, changed):
    plan = runner.plan_run(TOY, ["seed=9"], reports=reports)
    text = cache.explain(plan.study_dir, plan.key)
    assert "not reused" in text and "parameter seed: 1 → 9" in text
    plan = runner.plan_run(TOY, reports=reports)
    assert "reused: run " + first.run_id in cache.explain(plan.study_dir, plan.key)
    assert "--force reruns" in cache.explain(plan.study_dir, plan.key, force=True)


def test_cache_key_covers_code_cells(reports, first, tmp_path):
    nb = json.loads(Path(TOY).read_text())
    nb["cells"][-1]["source"] = "print('changed')"
    edited = tmp_path / "toy.ipynb"
    edited.write_text(json.dumps(nb))
    plan = runner.plan_run(str(edited), reports=reports)
    assert plan.key.run_id != first.run_id
    assert "code cells changed" in cache.explain(plan.study_dir, plan.key)
    nb["cells"][0]["source"] = "# Toy study, retitled"  # Markdown does not count
    nb["cells"][-1]["source"] = json.loads(Path(TOY).read_text())["cells"][-1]["source"]
    edited.write_text(json.dumps(nb))
    assert runner.plan_run(str(edited), reports=reports).key.run_id == first.run_id


def test_input_files_named_by_parameters_are_hashed(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a\n1\n")
    key1, files = cache.make_key(["x"], {"path": "data.csv"}, tmp_path, "0")
    data.write_text("a\n2\n")
    key2, _ = cache.make_key(["x"], {"path": "data.csv"}, tmp_path, "0")
    assert files == {"path": data} and key1.run_id != key2.run_id
    assert key1.inputs["path"] != key2.inputs["path"]


def test_failing_notebook_lands_in_failed_and_keeps_the_good_report(reports, monkeypatch):
    good = run_study(FAILS, ["fail=false"], reports=reports)
    before = (good.path / "manifest.json").read_bytes()
    monkeypatch.setenv("JOURNEY_TEST_FAIL", "1")
    with pytest.raises(StudyFailed, match=r"ZeroDivisionError in cell 4 \(In \[4\]\)") as exc:
        run_study(FAILS, ["fail=false"], reports=reports, force=True)  # same run id
    failed = exc.value.result
    assert failed.status == "failed" and failed.run_id == good.run_id
    assert failed.path == reports / "fails" / "failed" / good.run_id
    err = json.loads((failed.path / "error.json").read_text())
    assert err["ename"] == "ZeroDivisionError" and err["cell_index"] == 3
    assert "raise ZeroDivisionError" in err["cell_source"]
    assert json.loads((failed.path / "manifest.json").read_text())["status"] == "failed"
    assert json.loads((failed.path / "metrics.json").read_text()) == {"before": 1}
    assert (good.path / "manifest.json").read_bytes() == before  # good report intact
    assert cache.read_manifest(good.path)["status"] == "ok"


def test_cache_key_follows_the_library_source(tmp_path, monkeypatch):
    """Editing journey's code (same version number) must not reuse an old run."""
    from journey.study import provenance

    before = provenance.journey_fingerprint()
    assert before == provenance.journey_fingerprint()  # stable
    import journey

    root = Path(journey.__file__).parent
    probe = root / "_fingerprint_probe.py"
    try:
        probe.write_text("# a library edit\n")
        after = provenance.journey_fingerprint()
    finally:
        probe.unlink()
    assert after != before and after.split("+")[0] == before.split("+")[0]


def test_a_relative_input_file_means_the_users_file(tmp_path, monkeypatch):
    """-p scenario_file=twin.yaml names the file in the working directory, not in notebooks/."""
    from journey.scenario import load_preset
    from journey.study.runner import plan_run

    load_preset("telecom").to_yaml(tmp_path / "twin.yaml")
    monkeypatch.chdir(tmp_path)
    plan = plan_run("courtship-and-marriage", ["scenario_file=twin.yaml"], [],
                    reports=tmp_path / "reports")
    assert plan.parameters["scenario_file"] == str((tmp_path / "twin.yaml").resolve())
    assert "scenario_file" in plan.input_files
