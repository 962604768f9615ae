"""What every browser test shares: Debian's chromium, launched once per worker, and a page server on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"  # Playwright's own browser download does not work here; Debian's does
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SIZES: dict[str, ViewportSize] = {  # 1280x800 at 200% zoom is a 640x400 CSS viewport
    "desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844},
    "zoom200": {"width": 640, "height": 400}}


@pytest.fixture(scope="module")  # not the session: Playwright's sync API keeps an event loop running while open,
def browser() -> Iterator[Browser]:  # and a later test in the same worker may call asyncio.run()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The web app on a free loopback port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def open_page(browser: Browser, size: str) -> Page:
    """A fresh context at one of SIZES (a phone is a touch device at 2x); axe-core is injected, so no CSP."""
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True, accept_downloads=True,
                                  is_mobile=size == "phone", device_scale_factor=2 if size == "phone" else 1,
                                  locale="en-GB")
    return context.new_page()


def accessibility_problems(page: Page) -> list[str]:
    """Serious or critical axe-core violations, and any sideways scrolling: what a person would trip over."""
    page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(' | '))")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        found.append(f"scrolls sideways by {overflow}px")
    return found
