"""The explorer's pages, measured and photographed: size, steps and build time of each,
and screenshots at a laptop's and a phone's size for a person to look at.

    python -m benchmarks.explorer_pages          # pages and screenshots under out/screens/

Pages: lesson 1 (one neuron), lesson 3 (a hidden layer), a long chain of 30 tanh steps,
and the two-moons batch of demos/moons.py (100 samples, MLP(2, [16, 16, 1]), hinge loss
plus L2) with collapse=None, "neuron" and "layer". Screenshots need Playwright and
Debian's chromium; without them only the table is printed.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

from autograd import Value
from demos import hidden_layer, neuron
from nn import MLP, hinge, l2, moons
from viz import GraphTooLargeError, explore

OUT = Path("out") / "screens"
SIZES = ((1280, 720), (390, 844))


def moons_loss() -> Value:
    X, y = moons(100, noise=0.1, signed=True)
    model = MLP(2, [16, 16, 1], activation="relu", seed=7)
    return hinge([model(x) for x in X], y) + 1e-4 * l2(model.parameters())


def long_chain(length: int = 30) -> Value:
    """x pushed through `length` tanh steps: one path from the output, many factors."""
    y = Value(0.5, "x")
    for _ in range(length):
        y = (y * 1.5 + 0.1).tanh()
    y.label = "out"
    return y


PAGES = {
    "neuron": (lambda: neuron.build()["loss"], None),
    "hidden_layer": (lambda: hidden_layer.forward(hidden_layer.parameters())["loss"], None),
    "long_chain": (long_chain, None),
    "moons_every_value": (moons_loss, None),
    "moons_neuron": (moons_loss, "neuron"),
    "moons_layer": (moons_loss, "layer"),
}


def build() -> dict[str, Path]:
    """Write each page; print its size, steps and build time."""
    OUT.mkdir(parents=True, exist_ok=True)
    written = {}
    print(f"{'page':<20}{'size':>12}{'steps':>8}{'seconds':>10}")
    for name, (make, collapse) in PAGES.items():
        root = make()
        started = time.perf_counter()
        try:
            path = explore(root, OUT / f"{name}.html", collapse=collapse)
        except GraphTooLargeError as error:
            print(f"{name:<20}{'refused':>12}{'-':>8}{time.perf_counter() - started:>10.2f}"
                  f"  ({str(error)[:60]}...)")
            continue
        seconds = time.perf_counter() - started
        steps = _steps(path)
        print(f"{name:<20}{path.stat().st_size:>12,}{steps:>8}{seconds:>10.2f}")
        written[name] = path
    return written


def _steps(path: Path) -> int:
    """The steps of the level the page opens at: twice its boxes."""
    text = path.read_text(encoding="utf-8")
    (data,) = re.findall(r'id="graph-data">(.*?)</script>', text, re.DOTALL)
    page = json.loads(data)
    return 2 * len(page["levels"][page["initial"]]["boxes"])


def screenshots(pages: dict[str, Path]) -> None:
    """Each page at each size, a few steps into the backward pass, a box inspected."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("no screenshots: pip install playwright")
        return
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium,
                                             args=["--no-sandbox", "--disable-gpu"])
        for name, path in pages.items():
            for width, height in SIZES:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(path.resolve().as_uri())
                steps = int(page.eval_on_selector("#scrubber", "s => Number(s.max)"))
                target = steps // 2 + max(1, steps // 8)  # into the backward pass
                page.eval_on_selector("#scrubber", f"s => s.value = '{target - 1}'")
                page.dispatch_event("#scrubber", "input")
                page.keyboard.press("ArrowRight")
                page.wait_for_timeout(300)
                shot = OUT / f"{name}-{width}x{height}.png"
                page.screenshot(path=str(shot))
                print(f"  {shot}")
                page.close()
        browser.close()


if __name__ == "__main__":
    screenshots(build())
