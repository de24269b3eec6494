"""The planner in the browser (`chanopt ui`): server time per interaction and page-ready time.

    python benchmarks/bench_ui.py [--interactions 200] [--browser 40]

1. Server time per interaction, in process: what the app computes on every input change
   (`ui.views.plan_page`: the page's inputs as a what-if, `optimize`, repairs when
   infeasible, the budget frontier, the variants' comparison rows, the risk fan when inputs
   are uncertain, every output's HTML), over a seeded sequence of interactions (budget,
   PPC's CPL, a lead-to-close shock, the floor; some infeasible, with repairs) on the bundled
   example and on the uncertain example. Median and p95 in ms.
2. Page ready: `chanopt ui --no-browser` started as a process, Debian's chromium (through
   Playwright) launched first; seconds from the URL printed to the plan's net value shown.
3. In the browser, over `--browser` budget changes: the server's reactive flush that plans
   and renders each change (the app served by uvicorn in this process, so the flush can be
   timed), and in the page, from Shiny sending the budget to the last output arriving
   (websocket and the browser's handling of a dozen outputs included). Needs chromium.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
B2B = ROOT / "scenarios" / "b2b_saas_q1.yaml"
UNCERTAIN = ROOT / "scenarios" / "uncertain_q1.yaml"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def interactions(path: Path, count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for k in range(count):
        kind = k % 4
        if kind == 0:
            low = rng.random() < 0.1  # below the minimum spends: infeasible, with repairs
            out.append({"budget": 20_000 if low else rng.uniform(150_000, 400_000)})
        elif kind == 1:
            # inside the uncertain example's interval for PPC's CPL (80 to 115)
            out.append({"channels": {"PPC": {"cpl": f"{rng.uniform(85, 112):.0f}"}}})
        elif kind == 2:
            out.append({"shocks": {"Email": {"lead_to_close": rng.uniform(-30, 30)}}})
        else:
            out.append({"limits": {"min_clv_to_cpa": f"{rng.choice([2, 2.5, 3, 3.5])}"}})
    return out


def server_times(path: Path, count: int) -> dict[str, float]:
    import optimizer as co
    from optimizer.ui import state as S
    from optimizer.ui import whatif as W
    from optimizer.ui.views import plan_page

    start = W.load_start(path)
    others = tuple(co.optimize(s) for s in co.load_scenarios(path)[1:])
    plan_page(start, S.PageState(budget=start.scenario.budget), others)  # imports, caches
    budget: object = start.scenario.budget
    channels: dict = {}
    shocks: dict = {}
    limits: dict = {}
    times, infeasible = [], 0
    for change in interactions(path, count):
        budget = change.get("budget", budget)
        if "channels" in change and "PPC" in {c.name for c in start.scenario.channels}:
            channels = change["channels"]
        shocks = change.get("shocks", shocks)
        limits = change.get("limits", limits)
        state = S.PageState(budget=budget, limits=limits, channels=channels, shocks=shocks)
        began = time.perf_counter()
        page = plan_page(start, state, others)
        times.append((time.perf_counter() - began) * 1000)
        infeasible += page.ok and not page.doc["channels"]
    return {"median": statistics.median(times), "p95": pct(times, 0.95), "max": max(times),
            "count": len(times), "infeasible": infeasible}


def page_ready(path: Path, chromium: str) -> float:
    """Seconds from `chanopt ui --no-browser` (a process) printing its URL to the plan's
    net value on screen, the browser launched first."""
    from playwright.sync_api import sync_playwright

    exe = Path(sys.executable).with_name("chanopt")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium,
                                     args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        proc = subprocess.Popen([str(exe), "ui", str(path), "--port", "0", "--no-browser"],
                                stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            printed = time.perf_counter()
            url = re.search(r"(http://\S+)", line).group(1)  # type: ignore[union-attr]
            tab.goto(url)
            tab.wait_for_function(NET_VALUE_SHOWN)
            return time.perf_counter() - printed
        finally:
            browser.close()
            proc.terminate()
            proc.wait()


NET_VALUE_SHOWN = ("document.querySelector('#net_value')"
                   " && document.querySelector('#net_value').innerText")
MARKS = """() => { window.marks = {}; $(document).off('.bench');
    $(document).on('shiny:inputchanged.bench', e => { if (e.name === 'budget')
        window.marks.sent = performance.now(); });
    $(document).on('shiny:value.bench', e => { window.marks.last = performance.now(); }); }"""


def interaction_times(path: Path, chromium: str, count: int) -> dict[str, float]:
    """The app served by uvicorn in this process (so its reactive flushes can be timed),
    driven from chromium: per budget change, the server's reactive flush that planned and
    rendered it, and in the page, Shiny sending the budget to the last output arriving."""
    import socket
    import threading

    import uvicorn
    from playwright.sync_api import sync_playwright
    from shiny.reactive import _core

    from optimizer.ui.app import build_app

    flushes: list[float] = []
    original = _core.ReactiveEnvironment.flush

    async def timed(self: object) -> None:
        began = time.perf_counter()
        await original(self)  # type: ignore[arg-type]
        flushes.append((time.perf_counter() - began) * 1000)

    _core.ReactiveEnvironment.flush = timed  # type: ignore[method-assign]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    server = uvicorn.Server(uvicorn.Config(build_app(path), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    server_ms, page_ms = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium,
                                         args=["--no-sandbox", "--disable-gpu"])
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.goto(f"http://127.0.0.1:{sock.getsockname()[1]}/")
            tab.wait_for_function(NET_VALUE_SHOWN)
            rng = random.Random(3)
            for _ in range(count):
                tab.wait_for_timeout(300)  # everything idle: the next flushes are this change's
                tab.evaluate(MARKS)
                flushes.clear()
                before = tab.inner_text("#net_value")
                tab.fill("#budget", str(int(round(rng.uniform(150_000, 400_000), -3))))
                tab.press("#budget", "Tab")
                try:
                    tab.wait_for_function("b => document.querySelector('#net_value')"
                                          ".innerText !== b", arg=before, timeout=10_000)
                except Exception:  # the same net value (a flat stretch): not a sample
                    continue
                tab.wait_for_timeout(300)
                marks = tab.evaluate("() => window.marks")
                server_ms.append(max(flushes))
                page_ms.append(marks["last"] - marks["sent"])
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
        _core.ReactiveEnvironment.flush = original  # type: ignore[method-assign]
    return {"server_median": statistics.median(server_ms), "server_p95": pct(server_ms, 0.95),
            "page_median": statistics.median(page_ms), "page_p95": pct(page_ms, 0.95),
            "count": len(server_ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=200)
    parser.add_argument("--browser", type=int, default=40)
    args = parser.parse_args()
    print("server time per interaction (plan_page: plan, frontier, comparison, risk, HTML)")
    print(f"{'scenario':<24} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"
          f" {'infeasible':>10}")
    for path in (B2B, UNCERTAIN):
        r = server_times(path, args.interactions)
        print(f"{path.name:<24} {r['count']:>5} {r['median']:>10.1f} {r['p95']:>8.1f} "
              f"{r['max']:>8.1f} {r['infeasible']:>10}")
    chromium = shutil.which("chromium")
    if chromium is None:
        print("browser: chromium not installed, skipped")
        return
    print(f"page ready after the URL is printed: {page_ready(B2B, chromium):.2f} s")
    found = interaction_times(B2B, chromium, args.browser)
    print(f"budget changes in the browser ({found['count']}): server reactive flush median "
          f"{found['server_median']:.1f} ms, p95 {found['server_p95']:.1f} ms; in the page, "
          f"budget sent to last output received: median {found['page_median']:.0f} ms, p95 "
          f"{found['page_p95']:.0f} ms")

if __name__ == "__main__":
    main()
