"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import shutil

import pytest
from django.conf import settings
from django.test import Client

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


# Under load (two cores shared with other test runs) a live update can take seconds.
LIVE_TIMEOUT = 20_000


@pytest.fixture
def patient_expect():
    """``expect`` waits up to LIVE_TIMEOUT (back to Playwright's 5 s afterwards): for pages
    updated live, over a socket, where several round trips make one step."""
    from playwright.sync_api import expect

    expect.set_options(timeout=LIVE_TIMEOUT)
    yield
    expect.set_options(timeout=None)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Reports every Content-Security-Policy violation of the page (a blocked inline script or style,
# a script from another origin) as a console error, which watch_csp() below collects. Playwright
# installs it through the DevTools protocol, so the policy itself does not block it.
_REPORT_CSP_VIOLATIONS = """
window.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.URL}:${event.lineNumber}`);
}, true);
"""


class CSPWatch:
    """The Content-Security-Policy violations a browser context met, for a test to fail on."""

    def __init__(self, context):
        self.violations: list[str] = []
        context.add_init_script(_REPORT_CSP_VIOLATIONS)
        context.on("console", self._on_console)

    def _on_console(self, message) -> None:
        text = message.text
        # Chromium logs "Refused to ... because it violates the following Content Security
        # Policy directive" by itself as well; either message is a violation.
        if message.type == "error" and ("CSP violation" in text or "Content Security Policy" in text):
            self.violations.append(f"{message.page.url if message.page else ''}: {text}")

    def assert_none(self) -> None:
        assert not self.violations, "Content-Security-Policy violations:\n" + "\n".join(self.violations)


def new_context(browser, base_url: str, **options):
    """A browser context whose pages are watched for CSP violations (``context.csp``)."""
    options = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US", **options}
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(15_000)
    context.csp = CSPWatch(context)
    return context


def signed_in(browser, base_url: str, user):
    """A browser context (watched like ``new_context``'s) signed in as ``user`` on ``base_url``
    (a server of the test's own, such as tests.asgi_server's daphne)."""
    session = Client()
    session.force_login(user)
    context = new_context(browser, base_url)
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    return context


@pytest.fixture
def open_context(browser, live_server, settings):
    """Opens browser contexts on the live server (each with its own cookies). Every browser test
    fails if a page it visited broke the Content-Security-Policy (the site runs with it on, as
    in production)."""
    settings.DEBUG = False
    contexts = []

    def open_new(**options):
        contexts.append(new_context(browser, live_server.url, **options))
        return contexts[-1]

    yield open_new
    for context in contexts:
        context.close()
    for context in contexts:
        context.csp.assert_none()


@pytest.fixture
def page(open_context):
    return open_context().new_page()
