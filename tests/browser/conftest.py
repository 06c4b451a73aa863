"""Fixtures of the browser suite: Chromium, a live demo server and watched pages.

Every test under tests/browser/ is marked `browser`; `make test` runs them in a pytest process
of their own after the rest, so one server and one Chromium serve them all.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.support import (
    CHROMIUM_ARGS,
    LiveSite,
    SiteDatabase,
    chromium_path,
    forget_page,
    take_page_errors,
    watch,
    worker_name,
)

HERE = Path(__file__).resolve().parent
ACTION_TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 30_000
LIVE_SITE_KEY = pytest.StashKey[LiveSite]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Before `-m` selection runs, so `make test` can run browser tests in a process of their own.
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test shows the end of the server's log (tracebacks of 500s land there)."""
    report = yield
    site = item.session.stash.get(LIVE_SITE_KEY, None)
    if report.failed and site is not None and HERE in Path(str(item.path)).resolve().parents:
        report.sections.append(("live server log (tail)", site.log_tail(3000)))
    return report


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium (or $CHROMIUM); never a browser Playwright downloads."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        reason = f"Chromium not found at {path}; set CHROMIUM or install Debian's chromium"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (REQUIRE_BROWSER=1 makes this a failure)", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def live_server_process(chromium_executable, request) -> Iterator[LiveSite]:
    """Daphne on a free port serving a fresh migrated demo database of this worker's own."""
    site = LiveSite(database=SiteDatabase.for_worker(worker_name()))
    request.session.stash[LIVE_SITE_KEY] = site
    try:
        site.start()
        yield site
    finally:
        site.stop()
        site.database.drop()


@pytest.fixture(scope="session")
def live_site(live_server_process) -> str:
    """Base URL of the live demo server, e.g. http://127.0.0.1:41234 (no trailing slash)."""
    return live_server_process.url


@pytest.fixture(scope="session")
def run_manage(live_server_process) -> Callable[..., str]:
    """`run_manage("invite", ...)`: a manage.py command on the live site's database; stdout."""
    return live_server_process.manage


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, live_site) -> Iterator[Callable[..., object]]:
    """`new_page(**context_options)`: a page in a fresh context (own cookies), errors watched.

    Relative URLs resolve against the live site. At the end of the test every context is closed
    and the test fails if any page logged a console error or threw.
    """
    contexts = []
    pages = []

    def make(**options):
        options.setdefault("base_url", live_site)
        context = browser.new_context(**options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch(page)
        pages.append(page)
        return page

    yield make
    errors = [error for page in pages for error in take_page_errors(page)]
    for page in pages:
        forget_page(page)
    for context in contexts:
        context.close()
    if errors:
        pytest.fail("The browser reported errors:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def page(new_page):
    """A page in a fresh anonymous context at a desktop size."""
    return new_page(viewport={"width": 1280, "height": 900})
