"""The HTML report in a real browser: headless Chromium driven over the DevTools protocol.

Checks what a reader sees: the page loads with no network request and no JavaScript
error, every topic is drawn, the relevance slider re-ranks the selected topic's terms
(in the order :func:`neurotopic.readout.relevance` gives), and clicking a topic on the
map selects it. Needs the ``chromium`` Debian package (``.ci/run`` installs it; under
CI a missing browser fails the test instead of skipping it) and ``websocket-client``.

Run as a script to screenshot a report (how ``docs/report.png`` is made)::

    python tests/test_report_browser.py demo-model/report.html docs/report.png
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_chromium() -> str | None:
    """The path of a Chromium binary, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """A headless Chromium and one page, driven over the Chrome DevTools Protocol.

    Every protocol event is kept in :attr:`events` (network requests, console
    messages, exceptions) so tests can assert on them after the fact.
    """

    def __init__(self, binary: str, width: int = 1400, height: int = 1000) -> None:
        import websocket  # websocket-client

        self._profile = tempfile.mkdtemp(prefix="neurotopic-chromium-")
        self._proc = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                f"--user-data-dir={self._profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"{binary} did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        self._ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
        )
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a protocol method and return its result (events seen meanwhile are kept)."""
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60.0) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"timed out waiting for: {expression}")

    def click(self, x: float, y: float) -> None:
        """A real mouse click at viewport coordinates (move, press, release)."""
        self.send("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self, path: Path, height: int | None = None) -> None:
        """A PNG of the top ``height`` pixels of the page (None: the whole page)."""
        size = self.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        self.evaluate("window.scrollTo(0, 0)")
        clip = {"x": 0, "y": 0, "width": size[0], "height": height or size[1], "scale": 1}
        data = self.send(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
        )["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def open(self, path: Path) -> None:
        """Load a local file and wait until the report has drawn its charts."""
        self.send("Page.navigate", url=Path(path).resolve().as_uri())
        self.wait_for(
            "(() => { const b = document.body, s = document.getElementById('status');"
            " return (b !== null && b.getAttribute('data-ready') === 'true')"
            " || (s !== null && s.textContent.length > 0); })()"
        )

    def close(self) -> None:
        if getattr(self, "_ws", None) is not None:
            self._ws.close()
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
        shutil.rmtree(self._profile, ignore_errors=True)


# JavaScript run in the page -------------------------------------------------------------
# Vega's SVG renderer keeps each element's scenegraph item in `__data__`; its `datum`
# is the chart's data row, so marks are found by what they show, not by their position.
_TOPIC_CIRCLES = """
[...document.querySelectorAll('#explorer svg path')]
  .filter(e => e.__data__ && e.__data__.mark && e.__data__.mark.marktype === 'symbol'
               && e.__data__.datum && typeof e.__data__.datum.topic === 'number')
"""
_TERM_ORDER = """
[...document.querySelectorAll('#explorer svg text')]
  .filter(e => e.__data__ && e.__data__.mark && e.__data__.mark.role === 'axis-label'
               && typeof e.__data__.datum.value === 'string')
  .map(e => [e.getBoundingClientRect().top, e.__data__.datum.value])
  .sort((a, b) => a[0] - b[0]).map(p => p[1])
"""


def _set_slider(browser: Chromium, value: float) -> None:
    browser.evaluate(
        f"""(() => {{
          const input = document.querySelector('#explorer input[name="relevance_lambda"]');
          input.value = '{value}';
          input.dispatchEvent(new Event('input', {{bubbles: true}}));
          return window.neurotopicReport.views.explorer.runAsync().then(() => true);
        }})()"""
    )


def _clickable_topic(browser: Chromium, avoid: int) -> tuple[int, float, float]:
    """A topic other than ``avoid`` whose circle's centre shows that topic (not another
    circle drawn over it), with the centre's viewport coordinates."""
    found = browser.evaluate(
        f"""(() => {{
          document.getElementById('explorer').scrollIntoView();
          for (const el of {_TOPIC_CIRCLES}) {{
            const topic = el.__data__.datum.topic;
            const r = el.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            const shown = hit && hit.__data__ && hit.__data__.datum && hit.__data__.datum.topic;
            if (topic !== {avoid} && shown === topic) {{ return [topic, x, y]; }}
          }}
          return null;
        }})()"""
    )
    assert found is not None, "every topic's centre is covered by another circle"
    return int(found[0]), float(found[1]), float(found[2])


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    pytest.importorskip("websocket", reason="pip install websocket-client")
    binary = find_chromium()
    if binary is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run should have installed it")
        pytest.skip(message)
    chromium = Chromium(binary)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def report_path(tmp_path_factory: pytest.TempPathFactory, fitted: Any, bbc_small: tuple) -> Path:
    from neurotopic.viz.report import write_report

    texts, labels = bbc_small
    path = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(fitted, path, texts[:200], labels[:200])


@pytest.fixture(scope="module")
def page(browser: Chromium, report_path: Path) -> Chromium:
    browser.open(report_path)
    return browser


def test_report_loads_offline_without_errors(page: Chromium, report_path: Path) -> None:
    assert page.evaluate("document.body.getAttribute('data-ready')") == "true"
    requests = [
        e["params"]["request"]["url"]
        for e in page.events
        if e["method"] == "Network.requestWillBeSent"
    ]
    assert report_path.resolve().as_uri() in requests
    others = [u for u in requests if u != report_path.resolve().as_uri()]
    assert all(u.startswith(("data:", "blob:")) for u in others), others
    errors = [
        e["params"]
        for e in page.events
        if e["method"] == "Runtime.exceptionThrown"
        or (
            e["method"] == "Runtime.consoleAPICalled"
            and e["params"]["type"] in ("error", "warning")
        )
        or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
    ]
    assert errors == []


def test_every_topic_is_on_the_map_and_in_the_table(page: Chromium, fitted: Any) -> None:
    drawn = page.evaluate(f"{_TOPIC_CIRCLES}.map(e => e.__data__.datum.topic)")
    assert sorted(drawn) == list(range(fitted.n_topics))
    rows = page.evaluate("[...document.querySelectorAll('tr.topic-row')].map(r => r.textContent)")
    assert len(rows) == fitted.n_topics
    for k, terms in enumerate(fitted.topics(top_n=10)):
        assert all(t in rows[k] for t in terms)


def test_slider_reranks_terms_as_relevance_does(page: Chromium, fitted: Any) -> None:
    from neurotopic.model.readout import relevance

    topic = int(page.evaluate("document.body.getAttribute('data-selected-topic')"))
    for lam in (1.0, 0.0):
        _set_slider(page, lam)
        shown = page.evaluate(_TERM_ORDER)
        assert len(shown) == 30
        scores = relevance(fitted.components_, fitted.term_prob_, lam)[topic]
        score_of = {fitted.terms_[g]: float(s) for g, s in enumerate(scores)}
        # The browser ranks in float32 from rounded rows: near-ties may swap, so the shown
        # order must have the scores of the true top 10, position by position.
        top = np.sort(scores)[::-1][:10]
        np.testing.assert_allclose([score_of[t] for t in shown[:10]], top, atol=1e-4, rtol=0)
    _set_slider(page, 1.0)
    by_probability = page.evaluate(_TERM_ORDER)
    _set_slider(page, 0.0)
    assert page.evaluate(_TERM_ORDER) != by_probability


def test_clicking_a_topic_selects_it(page: Chromium, fitted: Any) -> None:
    _set_slider(page, fitted.relevance_weight())
    before = int(page.evaluate("document.body.getAttribute('data-selected-topic')"))
    target, x, y = _clickable_topic(page, avoid=before)
    page.click(x, y)
    page.wait_for(f"document.body.getAttribute('data-selected-topic') === '{target}'", 10)
    page.evaluate("window.neurotopicReport.views.explorer.runAsync().then(() => true)")
    shown = page.evaluate(_TERM_ORDER)
    assert shown[:10] == fitted.topics(top_n=10)[target]
    visible_docs = page.evaluate(
        "[...document.querySelectorAll('.topic-docs')].filter(e => !e.hidden)"
        ".map(e => e.getAttribute('data-topic'))"
    )
    assert visible_docs == [str(target)]
    heading = page.evaluate("document.getElementById('selected-topic').textContent")
    assert heading.startswith(f"Topic {target}:")


# Terms in other scripts: Japanese, Chinese, Arabic and Hebrew (right to left), Russian.
_SCRIPT_TERMS = ("機械学習", "经济增长", "الاقتصاد", "הכלכלה", "экономика")
# Draws each character alone and compares it with a character no font draws (a
# private-use code point): equal pixels mean the character shows as an empty box.
_DRAWN = """
((font, text) => {
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const g = canvas.getContext('2d');
  const draw = s => { g.clearRect(0, 0, 64, 64); g.font = '32px ' + font;
                      g.fillText(s, 8, 44); return g.getImageData(0, 0, 64, 64).data.join(); };
  const box = draw('\\uE000');
  return [...text].map(ch => draw(ch) !== box);
})
"""


def _has_font_for(language: str) -> bool:
    """Whether fontconfig lists a font for ``language`` (a glyph check needs one)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, f":lang={language}"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.fixture(scope="module")
def script_report(tmp_path_factory: pytest.TempPathFactory, fitted: Any) -> tuple[Path, Any]:
    """A report of a copy of the fitted model whose first topics' top terms are in other
    scripts (the report renders terms, whatever the corpus they came from)."""
    import copy

    from neurotopic.viz.report import write_report

    model = copy.deepcopy(fitted)
    for k, term in enumerate(_SCRIPT_TERMS):
        old = model.topics(top_n=1)[k][0]
        g = model.vocabulary_.pop(old)
        model.terms_[g] = term
        model.vocabulary_[term] = g
    path = tmp_path_factory.mktemp("scripts") / "report.html"
    texts = [f"{' '.join(_SCRIPT_TERMS)} text" for _ in range(20)]
    return write_report(model, path, texts), model


def test_terms_in_any_script_render_with_glyphs_and_direction(
    browser: Chromium, script_report: tuple[Path, Any]
) -> None:
    path, _ = script_report
    browser.open(path)
    rows = browser.evaluate(
        "[...document.querySelectorAll('tr.topic-row')].map(r => r.textContent)"
    )
    for k, term in enumerate(_SCRIPT_TERMS):
        assert term in rows[k]
    cell = "document.querySelector('tr.topic-row td:last-child')"
    font = browser.evaluate(f"getComputedStyle({cell}).fontFamily")
    for family in ("Hiragino Sans", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans Arabic"):
        assert family in font
    # Each cell takes its direction from its text: a list of Arabic terms reads right to left.
    assert browser.evaluate(f"getComputedStyle({cell}).unicodeBidi") == "plaintext"
    checks = {"ar": "الاقتصاد", "he": "הכלכלה", "ru": "экономика"}
    checks.update({"ja": "機械学習", "zh": "经济增长"})
    missing = [lang for lang in checks if not _has_font_for(lang)]
    for lang, term in checks.items():
        if lang not in missing:
            drawn = browser.evaluate(f"{_DRAWN}({json.dumps(font)}, {json.dumps(term)})")
            assert all(drawn), f"{term} shows empty boxes in the report's fonts"
    if missing:
        pytest.skip(f"no font installed for {', '.join(missing)} (fonts-noto-cjk)")


if (
    __name__ == "__main__"
):  # screenshot a report: python tests/test_report_browser.py IN.html OUT.png
    chromium_path = find_chromium()
    if chromium_path is None or len(sys.argv) != 3:
        sys.exit("usage: python tests/test_report_browser.py REPORT.html OUT.png (needs chromium)")
    shot = Chromium(chromium_path, width=1280, height=900)
    try:
        shot.open(Path(sys.argv[1]))
        shot.evaluate("window.neurotopicReport.views.explorer.runAsync().then(() => true)")
        shot.screenshot(Path(sys.argv[2]), height=880)  # the header and the topic explorer
    finally:
        shot.close()
