"""End to end: ``partnersim app`` served on the loopback and driven in a real headless browser.

The test starts ``partnersim app scenarios/base.yaml --port <free port>`` as a process with
Solara's CDN set to an address that answers nothing, so the page must come up offline, from the
front-end files on this machine (:mod:`sim.app.assets`). It waits for the port and drives the
page with Playwright in Debian's Chromium: the page loads and every file it asks for is served;
the sliders show their values in plain units (M EUR, years); Mesa's programmer controls and
Solara's badge are not there; the budget slider moves, Reset builds the model with it, Step
advances it and the charts change; and the settings are saved as a scenario file that reads
back with the moved budget.
Screenshots go to ``results/screenshots/``; with ``PARTNERSIM_DOCS_SCREENSHOT=1`` the stepped
page also replaces ``docs/figures/app.png`` (the README's picture).

What it needs and how it gets it:

* Chromium: ``/usr/bin/chromium`` (found on PATH), else, as root with apt-get, installed with
  ``apt-get install chromium chromium-driver``; the test is skipped, saying why, only when no
  browser can be had.
* Solara's front-end files (its Vue app, RequireJS, Font Awesome): ``make setup`` puts them in
  Solara's asset cache from the npm registry (``python -m sim.app.assets``), and ``partnersim
  app`` does so before serving if they are missing; ``tests/test_app.py`` fails when they are
  not there, since the page would then be blank offline.

The server is always stopped at the end; every wait is bounded.
"""

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import ROOT

from sim.cli.app import free_port
from sim.scenario.files import load
from sim.scenario.schema import Scenario

HOST = "127.0.0.1"
SCREENSHOTS = ROOT / "results" / "screenshots"
DOCS_SCREENSHOT = ROOT / "docs" / "figures" / "app.png"
UPDATE_DOCS = "PARTNERSIM_DOCS_SCREENSHOT"
START_TIMEOUT = 120.0
"""Seconds the server may take to listen (importing Solara and Mesa on a busy machine)."""
WAIT_MS = 60_000
"""Milliseconds the page may take for any one thing (load, a step, a save)."""
VIEWPORT = {"width": 1500, "height": 1150}
OFFLINE_CDN = "http://127.0.0.1:9/"
"""Where the server is told the CDN is: the discard port, which answers nothing (offline)."""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Return Debian's Chromium, installing it with apt-get where that is possible."""
    found = shutil.which("chromium")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "chromium", "chromium-driver"],
        ):
            subprocess.run(command, env=env, capture_output=True, timeout=900, check=False)
        found = shutil.which("chromium")
    if found is None:
        pytest.skip(
            "no browser: Debian's chromium is not installed and cannot be installed here "
            "(needs root and apt-get); install it with: apt-get install chromium chromium-driver"
        )
    return found


class Served(NamedTuple):
    """A running app: its address and the folder it saves settings into."""

    url: str
    saves: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Serve the app for scenarios/base.yaml on a free loopback port; yield where it is."""
    script = shutil.which("partnersim", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "sim.cli.main"]
    port = free_port(HOST, 0)
    log_path = tmp_path_factory.mktemp("app") / "server.log"
    saves = log_path.parent / "saves"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                *command,
                "app",
                "scenarios/base.yaml",
                "--port",
                str(port),
                "--host",
                HOST,
                "--save-dir",
                str(saves),
            ],
            cwd=ROOT,
            env={**os.environ, "SOLARA_ASSETS_CDN": OFFLINE_CDN},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(process, port, log_path)
        yield Served(f"http://{HOST}:{port}/", saves)
    finally:
        stop(process)


def wait_for_port(process: subprocess.Popen, port: int, log_path: Path) -> None:
    """Wait until the server accepts connections; fail with its output if it exits or hangs."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"partnersim app exited with {process.returncode}:\n{log_path.read_text()}")
        with socket.socket() as probe:
            probe.settimeout(1.0)
            if probe.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail(
        f"partnersim app did not listen within {START_TIMEOUT:.0f} s:\n{log_path.read_text()}"
    )


def stop(process: subprocess.Popen) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@pytest.fixture
def page(chromium, server):
    """A fresh headless Chromium page on the app; ``page.failed`` lists requests that failed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.failed = []
            page.on("requestfailed", lambda request: page.failed.append(request.url))
            page.on(
                "response",
                lambda response: (
                    response.status >= 400
                    and page.failed.append(f"{response.status} {response.url}")
                ),
            )
            page.set_default_timeout(WAIT_MS)
            page.goto(server.url, timeout=WAIT_MS)
            yield page
        finally:
            browser.close()


def screenshot(page, name: str) -> Path:
    """Write a screenshot of the page to results/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path)
    return path


def slider(page, label: str):
    """Return the slider handle of the control labelled ``label``."""
    return page.locator(".v-slider", has_text=label).get_by_role("slider")


def press(page, handle, key: str, times: int) -> None:
    """Focus a slider handle and press a key on it ``times`` times."""
    handle.focus()
    for _ in range(times):
        page.keyboard.press(key)


def test_page_loads_offline_a_lever_moves_the_model_steps_and_settings_save(page, server):
    step = page.get_by_role("button", name="Step")
    step.wait_for()
    page.get_by_text("partnersim: base").first.wait_for()
    readout = page.locator(".partnersim-readout")
    readout.get_by_text("Step 0 of 40 (year 0.00 of 10)").wait_for()
    pilots = page.locator(".partnersim-pilots img")
    pilots.wait_for()
    assert page.failed == []  # every front-end file came from this machine, the CDN being away
    # what a planner sees: values in plain units, none of Mesa's controls for programmers
    sidebar = page.get_by_role("navigation")
    for text in ("budget per city, M EUR/yr: 20", "election cycle, years: 4", "seed: 0"):
        sidebar.get_by_text(text, exact=True).wait_for()
    for text in ("Use Threads", "Render Interval (steps)", "Play Interval (ms)", "Time: 0.0"):
        assert page.get_by_text(text).count() == 0, text
    assert not page.get_by_text("This website runs on").first.is_visible()
    thumbs = page.locator(".v-slider-thumb__label")
    assert thumbs.count() >= 6 and all(thumbs.nth(i).is_visible() for i in range(thumbs.count()))
    screenshot(page, "app-loaded")

    # a lever: the budget slider moves 50 steps of 0.1 M EUR down, and Reset applies it
    budget = slider(page, "budget per city, M EUR/yr")
    assert budget.get_attribute("aria-valuenow") == "20"
    press(page, budget, "ArrowLeft", 50)
    assert budget.get_attribute("aria-valuenow") == "15"
    sidebar.get_by_text("budget per city, M EUR/yr: 15", exact=True).wait_for()
    page.get_by_role("button", name="Reset").click()
    run = page.locator(".partnersim-run")
    run.get_by_text("budget per city, M EUR/yr: 15", exact=True).wait_for()  # the new run's

    # each Step advances the quarters per click: 1 -> 5
    interval = slider(page, "quarters per Step click")
    press(page, interval, "ArrowRight", 4)
    assert interval.get_attribute("aria-valuenow") == "5"
    sidebar.get_by_text("quarters per Step click: 5", exact=True).wait_for()
    before = pilots.screenshot()
    for k in range(1, 5):
        step.click()
        readout.get_by_text(f"Step {5 * k} of 40").wait_for()
    page.wait_for_timeout(500)  # let the last images arrive
    assert pilots.screenshot() != before, "the pilots chart did not change after 20 steps"
    spend = re.search(r"public spend \(net\): ([\d.,]+) M EUR", readout.inner_text())
    assert spend is not None and float(spend.group(1).replace(",", "")) > 0
    stepped = screenshot(page, "app-stepped")
    if os.environ.get(UPDATE_DOCS):
        write_docs_screenshot(stepped)

    # the settings of this run, saved as a scenario file that reads back
    target = server.saves / "explored.yaml"
    page.get_by_label("save settings to (YAML file").fill("explored.yaml")
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text(f"saved {target}").wait_for()
    screenshot(page, "app-saved")
    saved = load(target, Scenario)
    assert saved.name == "explored"
    assert saved.cities[0].annual_budget == 15e6
    assert saved.finance.instruments == ["grant"]
    assert page.failed == []


def write_docs_screenshot(path: Path) -> None:
    """Copy a screenshot to docs/figures/app.png as a 256-colour PNG (a small file)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256)
        buffer = io.BytesIO()
        small.save(buffer, format="PNG", optimize=True)
    DOCS_SCREENSHOT.write_bytes(buffer.getvalue())
