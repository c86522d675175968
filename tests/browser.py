"""Browser test support: Debian's Chromium driven by Playwright, every request recorded, none allowed off 127.0.0.1.

The browser tests import from here: the ``chromium`` fixture (import it by name), :func:`local_browser` (a page
whose requests outside 127.0.0.1 are refused and recorded) and :func:`assert_stayed_local`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_demo import LOCAL_HOSTS

# Debian's Chromium; KIT_CHROMIUM points the tests at another build (another distribution, macOS).
CHROMIUM = Path(os.environ.get("KIT_CHROMIUM", "").strip() or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
INSTALL_HINT = ("Install Debian's Chromium with: sudo apt-get install chromium "
                "(the tests never download a browser), point KIT_CHROMIUM at a Chromium binary elsewhere, "
                "or set KIT_SKIP_BROWSER=1 to skip the browser tests.")
SECOND = 1000  # Playwright counts milliseconds


def require_chromium(path: Path = CHROMIUM, skip_env: str | None = None) -> Path:
    """``path`` if Chromium is there; else a loud failure with the install command, or a skip if
    KIT_SKIP_BROWSER=1 says this machine has no browser on purpose."""
    if path.exists():
        return path
    if skip_env is None:
        skip_env = os.environ.get("KIT_SKIP_BROWSER", "")
    if skip_env == "1":
        pytest.skip(f"KIT_SKIP_BROWSER=1 and no Chromium at {path}: browser tests skipped")
    pytest.fail(f"The browser tests need Chromium at {path}, and it is not there. {INSTALL_HINT}", pytrace=False)


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium, and Playwright to drive it."""
    path = require_chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("The browser tests need Playwright for Python: pip install -e '.[test]' (or make install).",
                    pytrace=False)
    return path


def is_local(url: str) -> bool:
    """Whether a request stays on this computer (127.0.0.1, localhost, or data:, blob:, about: URLs)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


@dataclass
class Browsing:
    """An open page and what it asked for: ``seen`` (every request and websocket URL), ``blocked`` (refused)."""

    page: Any  # playwright.sync_api.Page
    outputs_dir: Path
    seen: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    context: Any = None  # playwright.sync_api.BrowserContext: every page of it is guarded

    def new_page(self) -> Any:
        """Open another page in this context (it becomes :attr:`page`), its websockets recorded too."""
        page = self.context.new_page()
        page.on("websocket", lambda socket: self.seen.append(socket.url))
        self.page = page
        return page

    def screenshot(self, name: str) -> None:
        """Save the whole page as ``test-outputs/<name>``."""
        self.page.screenshot(path=str(self.outputs_dir / name), full_page=True)


@contextmanager
def local_browser(chromium: Path, outputs_dir: Path, **context_options: Any) -> Iterator[Browsing]:
    """A headless Chromium page in a new context (``context_options``: viewport, accept_downloads, ...) that
    refuses and records every request leaving 127.0.0.1; the browser is closed on the way out."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**context_options)
            session = Browsing(None, outputs_dir, context=context)

            def guard(route: Any) -> None:
                if is_local(route.request.url):
                    route.continue_()
                else:
                    session.blocked.append(route.request.url)
                    route.abort()

            context.route("**/*", guard)
            context.on("request", lambda request: session.seen.append(request.url))
            session.new_page()
            yield session
        finally:
            browser.close()


def assert_stayed_local(session: Browsing) -> None:
    """Fail if any request was refused or any seen request (or websocket) left 127.0.0.1."""
    outside = [url for url in session.seen if not is_local(url)]
    assert session.blocked == [] and outside == [], f"requests left 127.0.0.1: {session.blocked or outside}"


# Each demo app's panel (the widget every app notebook renders): its first output on the page.
APP_PANELS = {"copilot": ".kit-copilot-app", "minutes": ".kit-minutes-app", "offline_assistant": ".kit-offline-app",
              "planning": ".kit-planning-app", "translate": ".kit-translate-app", "triage": ".kit-triage-app"}


def wait_all_ready(page: Any, timeout_s: float = 120) -> None:
    """Wait until the landing page says no app is warming up (it asks the server again by itself)."""
    page.wait_for_function("() => !document.querySelector('.kit-app-status[data-state=\"warming\"]')",
                           timeout=timeout_s * SECOND)
