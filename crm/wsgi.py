"""The WSGI application gunicorn (and `runserver`) serve: Django, with Meta's webhook on a lean handler.

Meta posts a status webhook for every reply three times over (sent, delivered, read), so the webhook is most
of the requests the product serves. Its view needs none of what a page needs (session, locale, CSRF,
authentication, messages, content-security policy, static files, audit, lockouts), and that middleware was
about 40 % of the request's CPU. Requests for exactly the webhook's path go to a second Django handler whose
middleware is `WEBHOOK_MIDDLEWARE` (request id, security headers, the body limit, the API's JSON errors);
every other request goes through the whole `MIDDLEWARE`. Both are Django's own WSGIHandler, so signals,
connection handling and error responses are the same.
"""

import os

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.urls import NoReverseMatch, reverse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")


class LeanHandler(WSGIHandler):
    """Django's handler with `WEBHOOK_MIDDLEWARE` in place of `MIDDLEWARE`."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django's loader reads settings.MIDDLEWARE; the swap lasts only while this handler is built (at import,
        # before any request), so no request ever sees it.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.WEBHOOK_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class WebhookFirst:
    """Send requests for one path to the lean handler, and every other one to the full application."""

    def __init__(self, full, lean, path: str) -> None:
        self.full, self.lean, self.path = full, lean, path

    def __call__(self, environ, start_response):
        app = self.lean if environ.get("PATH_INFO") == self.path else self.full
        return app(environ, start_response)


def build_application() -> WebhookFirst | WSGIHandler:
    full = get_wsgi_application()  # sets Django up
    try:
        path = reverse("whatsapp-webhook")
    except NoReverseMatch:  # a URLconf without the webhook (bench/bare_settings.py): Django whole
        return full
    return WebhookFirst(full, LeanHandler(), path)


application = build_application()
