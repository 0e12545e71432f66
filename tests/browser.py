"""Real-browser helpers: Debian's chromium driven by Playwright (its own browser download cannot work
offline), and a phone-sized page like the ones our users hold."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",  # the closed network refuses chromium's own connections
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def phone_page(browser, *, locale: str = "es-CO", timeout_ms: int = 20_000, **context_options):
    """A new page in a fresh phone-sized context (Spanish, Colombia, unless told otherwise)."""
    context = browser.new_context(**PHONE, locale=locale, **context_options)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    return page


def wait_until(page, expression: str, *, timeout_s: float = 20.0) -> None:
    """Poll `expression` until it is truthy. Playwright's `wait_for_function` evaluates its predicate with
    eval inside the page, which our Content-Security-Policy (no 'unsafe-eval') refuses; `evaluate` is not."""
    import time

    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def assert_fields_use_the_page_font(page) -> None:
    """No form field in monospace (a browser's default for some, such as a textarea): each uses the page's font."""
    fonts = page.eval_on_selector_all(
        "input:not([type=hidden]), textarea, select", "els => els.map(e => getComputedStyle(e).fontFamily)"
    )
    body = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert fonts and "monospace" not in body, (fonts, body)
    assert all(font == body for font in fonts), (fonts, body)
