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
