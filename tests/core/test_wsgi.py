"""crm.wsgi: the application gunicorn serves. Meta's webhook takes the lean handler, everything else Django whole.

These call the WSGI application itself, as gunicorn does (Django's test client builds a handler of its own).
"""

from __future__ import annotations

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest

from crm.wsgi import WebhookFirst, application, build_application
from tests.meta_fixtures import text_message
from whatsapp.models import Message, WebhookEvent
from whatsapp.signature import sign_body

pytestmark = pytest.mark.django_db(transaction=True)


def call(path: str, *, method: str = "GET", body: bytes = b"", headers: dict[str, str] | None = None):
    environ: dict = {
        "PATH_INFO": path,
        "REQUEST_METHOD": method,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "wsgi.input": io.BytesIO(body),
        "HTTP_HOST": "testserver",
        "SERVER_NAME": "testserver",
        "HTTP_ACCEPT_LANGUAGE": "es",
    }
    for name, value in (headers or {}).items():
        environ[f"HTTP_{name.upper().replace('-', '_')}"] = value
    setup_testing_defaults(environ)
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    result = application(environ, start_response)
    try:
        answer["body"] = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return answer


def delivery(number, wamid: str) -> bytes:
    return json.dumps(text_message(number, wamid=wamid)).encode()


def test_a_signed_delivery_is_stored_through_the_lean_handler_without_the_pages_middleware(number):
    body = delivery(number, "wamid.LEAN1")

    answer = call("/webhook/whatsapp", method="POST", body=body, headers={"X-Hub-Signature-256": sign_body(body)})

    assert answer["status"] == 200 and answer["body"] == b"OK"
    assert WebhookEvent.objects.filter(body=body.decode()).exists()
    assert answer["headers"]["X-Request-ID"]  # its log lines and tasks still carry an id
    assert answer["headers"]["X-Content-Type-Options"] == "nosniff"  # security headers kept
    # LocaleMiddleware (a page's) marks every answer it passes; the webhook's does not go through it.
    assert "Content-Language" not in answer["headers"]
    page = call("/accounts/login/")
    assert page["status"] == 200 and page["headers"]["Content-Language"] == "es"


def test_the_lean_handler_keeps_the_webhooks_refusals(number, settings):
    body = delivery(number, "wamid.LEAN2")

    unsigned = call("/webhook/whatsapp", method="POST", body=body)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    too_large = call("/webhook/whatsapp", method="POST", body=body, headers={"X-Hub-Signature-256": sign_body(body)})

    assert unsigned["status"] == 403 and json.loads(unsigned["body"])["error"]["code"] == "invalid_signature"
    assert too_large["status"] == 413 and json.loads(too_large["body"])["error"]["code"] == "body_too_large"
    assert not WebhookEvent.objects.exists()


def test_the_path_with_a_trailing_slash_still_reaches_the_webhook_through_the_whole_stack(number):
    body = delivery(number, "wamid.LEAN3")

    answer = call("/webhook/whatsapp/", method="POST", body=body, headers={"X-Hub-Signature-256": sign_body(body)})

    assert answer["status"] == 200 and answer["headers"]["Content-Language"]
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.filter(wamid="wamid.LEAN3").exists()


def test_a_urlconf_without_the_webhook_is_served_by_django_whole(settings):
    settings.ROOT_URLCONF = "tests.core.no_webhook_urls"

    assert not isinstance(build_application(), WebhookFirst)
