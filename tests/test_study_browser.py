"""A study's HTML report and ``reports/index.html`` in a real browser: headless Chromium
(Debian's ``chromium``), driven over the DevTools protocol with ``websocket-client``.

Checked as a reader would see them: no console error or failed load, every figure decoded with
a size and more than one colour, every link of the index an existing file; a screenshot of each
page goes to the test's folder and, when ``JOURNEY_SCREENSHOTS`` names a folder, there too.
Without ``chromium`` the test is skipped, except under CI (``CI=true``: ``.ci/run`` installs it),
where that is a failure.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from journey.study.index import build_index
from journey.study.sweep import run_sweep

NB = Path(__file__).parent / "notebooks"
TOY = str(NB / "toy.ipynb")

# Each image: decoded size and the number of distinct colours among up to 4096 sampled pixels.
_IMAGES_JS = """
Array.from(document.images).map(img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  let colours = 0;
  if (img.complete && img.naturalWidth > 0) {
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    const step = Math.max(1, Math.floor(d.length / 4 / 4096));
    for (let i = 0; i < d.length; i += 4 * step) seen.add(d[i] + ',' + d[i+1] + ',' + d[i+2]);
    colours = seen.size;
  }
  return {src: img.src.slice(0, 40), complete: img.complete, width: img.naturalWidth,
          height: img.naturalHeight, colours: colours};
})
"""


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("chromium is not installed, and CI must run the browser test "
                        "(.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI runs this test")
    return exe


class Page:
    """One Chromium tab over the DevTools protocol: navigate, evaluate, screenshot, and the
    console errors and failed loads seen so far."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.errors: list[str] = []
        self.loaded = False
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def _event(self, msg: dict) -> None:
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            self.errors.append("exception: " + json.dumps(params.get("exceptionDetails"))[:500])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        elif method == "Page.loadEventFired":
            self.loaded = True

    def call(self, method: str, **params) -> dict:
        mid = next(self.ids)
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def open(self, path: Path) -> None:
        self.loaded = False
        self.call("Page.navigate", url=path.as_uri())
        deadline = time.monotonic() + 30
        while not self.loaded and time.monotonic() < deadline:
            self._event(json.loads(self.ws.recv()))
        assert self.loaded, f"{path} did not finish loading"

    def evaluate(self, expression: str):
        out = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in out, out
        return out["result"].get("value")

    def screenshot(self, *targets: Path) -> bytes:
        self.call("Emulation.setDeviceMetricsOverride", width=1200, height=900,
                  deviceScaleFactor=1, mobile=False)
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png",
                                          captureBeyondViewport=True)["data"])
        for t in targets:
            t.parent.mkdir(parents=True, exist_ok=True)
            t.write_bytes(data)
        return data


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    exe = _chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([exe, "--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--no-first-run",
                             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                             f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            assert proc.poll() is None, f"chromium exited with {proc.returncode}"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            tabs = [t for t in json.load(r) if t.get("type") == "page"]
        p = Page(tabs[0]["webSocketDebuggerUrl"])
        yield p
        p.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    result = run_sweep(TOY, {"seed": [1, 2]}, assignments=["n_customers=60"], reports=root)
    assert [r.status for r in result.rows] == ["ok", "ok"]
    build_index(root)
    return root


def _shots(tmp_path: Path, name: str) -> list[Path]:
    out = [tmp_path / name]
    if os.environ.get("JOURNEY_SCREENSHOTS"):
        out.append(Path(os.environ["JOURNEY_SCREENSHOTS"]) / name)
    return out


def test_study_report_in_the_browser(page, reports, tmp_path):
    (html,) = sorted((reports / "toy").glob("*/toy.html"))[:1]
    page.errors.clear()
    page.open(html)
    images = page.evaluate(_IMAGES_JS)
    assert images, "the report shows no figure"
    for img in images:
        assert img["complete"] and img["width"] > 0 and img["height"] > 0, img
        assert img["colours"] > 1, f"a blank figure: {img}"
    assert "mean lifetime" in page.evaluate("document.body.innerText")
    png = page.screenshot(*_shots(tmp_path, "study-report.png"))
    assert png[:4] == b"\x89PNG"
    assert page.errors == []


def test_index_in_the_browser(page, reports, tmp_path):
    page.errors.clear()
    page.open(reports / "index.html")
    links = page.evaluate("Array.from(document.links).map(a => a.href)")
    runs = [d.name for d in (reports / "toy").iterdir() if (d / "manifest.json").is_file()]
    assert len(runs) == 2 and all(any(r in link for link in links) for r in runs)
    assert any(link.endswith("summary.csv") for link in links)
    for link in links:
        url = urlparse(link)
        assert url.scheme == "file", link
        assert Path(unquote(url.path)).is_file(), f"the index links to a missing file: {link}"
    text = page.evaluate("document.body.innerText")
    assert "n_customers=60" in text and "toy" in text
    page.screenshot(*_shots(tmp_path, "index.png"))
    assert page.errors == []
    # the sweep's summary figure, linked from the index, decodes and is not blank
    (summary,) = (reports / "toy" / "sweeps").glob("*/summary.png")
    page.open(summary)
    (img,) = page.evaluate(_IMAGES_JS)
    assert img["width"] > 0 and img["colours"] > 1
    assert page.errors == []
