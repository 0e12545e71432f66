"""The onboarding link is the one URL that carries the setup code: it binds the browser's session and every
later page, form, link and redirect is code-free (issue: setup codes travelled into access logs)."""

from __future__ import annotations

import re

import pytest
from django.test import Client as Browser

from onboarding import services
from tenants.models import Client, WhatsAppNumber
from tests.onboarding.conftest import new_phone

pytestmark = pytest.mark.django_db(transaction=True)

URL_ATTRIBUTES = re.compile(r'\b(?:href|action|src|data-[a-z-]*url)="([^"]*)"')


class Recorder:
    """A Django test browser that keeps every response, to look for the code in URLs afterwards."""

    def __init__(self):
        self.browser = Browser()
        self.responses = []

    def get(self, path, **kwargs):
        response = self.browser.get(path, **kwargs)
        self.responses.append(response)
        return response

    def post(self, path, data, **kwargs):
        response = self.browser.post(path, data, **kwargs)
        self.responses.append(response)
        return response

    def urls(self) -> list[str]:
        """Every Location header and every URL in an attribute of every HTML page seen."""
        found = [r["Location"] for r in self.responses if r.has_header("Location")]
        for response in self.responses:
            if response.get("Content-Type", "").startswith("text/html"):
                found += URL_ATTRIBUTES.findall(response.content.decode())
        return found


def test_the_link_lands_on_a_code_free_page(api):
    code = api.register()["setup_code"]
    browser = Browser()
    response = browser.get(f"/onboarding/{code}/")
    assert response.status_code == 303
    assert response["Location"] == "/onboarding/" and response["Cache-Control"] == "no-store"
    page = browser.get(response["Location"])
    assert page.status_code == 200 and b'id="choose-hosted"' in page.content


def test_no_later_url_carries_the_code(api):
    signup = api.register()
    code = signup["setup_code"]
    recorder = Recorder()
    phone = new_phone()
    assert recorder.get(f"/onboarding/{code}/").status_code == 303
    assert recorder.get("/onboarding/").status_code == 200
    assert recorder.get("/onboarding/hosted/").status_code == 200
    assert recorder.get("/onboarding/connect/").status_code == 200
    assert recorder.get("/onboarding/qr.png").content.startswith(b"\x89PNG")
    assert recorder.post("/onboarding/hosted/", {"phone_number": phone})["Location"] == "/onboarding/"
    assert b'id="verify-form"' in recorder.get("/onboarding/").content
    assert recorder.post("/onboarding/resend/", {"method": "SMS"}).status_code in (302, 429)
    assert recorder.post("/onboarding/verify/", {"code": api.otp(phone)})["Location"] == "/onboarding/"
    assert recorder.get("/onboarding/")["Location"] == "/onboarding/business/"
    business = {"business_description": "Pan", "greeting": "Hola", "business_hours": "7-19"}
    assert recorder.post("/onboarding/business/", business).status_code == 302
    assert recorder.get("/onboarding/")["Location"] == "/onboarding/live/"
    live = recorder.get("/onboarding/live/")
    assert live.status_code == 200 and phone in live.content.decode()
    assert recorder.get("/onboarding/whatsapp-qr.png").content.startswith(b"\x89PNG")
    assert recorder.post("/onboarding/password/", {"password": "pan-de-bono-2026"}).status_code == 302
    assert recorder.get("/onboarding/live/?password=1").status_code == 200

    urls = recorder.urls()
    assert len(urls) > 20
    assert [url for url in urls if code in url] == []
    # Once live the session forgets the code itself; it only keeps which client it finished.
    assert code not in str(dict(recorder.browser.session))


def test_a_signup_on_the_page_never_puts_the_code_in_a_url(client):
    form = {"name": "Ana", "email": "ana@example.com", "business_name": "Ana"}
    response = client.post("/signup/", form)
    assert response.status_code == 302 and response["Location"] == "/onboarding/"
    page = client.get("/onboarding/")
    assert page.status_code == 200 and b'id="choose-hosted"' in page.content


def test_old_per_page_paths_with_a_code_exchange_it_and_redirect(api):
    code = api.register()["setup_code"]
    browser = Browser()
    moved = browser.get(f"/onboarding/{code}/hosted/")
    assert moved.status_code == 303 and moved["Location"] == "/onboarding/hosted/"
    assert b'id="hosted-form"' in browser.get(moved["Location"]).content
    # A form rendered before (its action still has the code) lands on its page to send again; nothing is done.
    posted = browser.post(f"/onboarding/{code}/hosted/", {"phone_number": new_phone()})
    assert posted.status_code == 303 and posted["Location"] == "/onboarding/hosted/"
    assert not WhatsAppNumber.objects.exists()
    # The API still hands out the link and its QR picture.
    png = browser.get(f"/onboarding/{code}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_a_second_browser_without_the_link_sees_nothing(api):
    signup = api.register(business_name="Panadería Secreta")
    first = Browser()
    first.get(f"/onboarding/{signup['setup_code']}/")
    assert "Panadería Secreta" in first.get("/onboarding/").content.decode()

    second = Browser()
    for path in ("", "hosted/", "connect/", "business/", "live/", "qr.png", "whatsapp-qr.png"):
        page = second.get(f"/onboarding/{path}")
        assert page.status_code == 403, path
        assert b'data-error="onboarding_link_needed"' in page.content and b"Secreta" not in page.content
    refused = second.post("/onboarding/hosted/", {"phone_number": new_phone()})
    assert refused.status_code == 403 and not WhatsAppNumber.objects.exists()


def test_binding_gives_the_browser_a_fresh_session_id(api):
    """A session id planted before the link was opened (session fixation) is not the one that onboards."""
    code = api.register()["setup_code"]
    browser = Browser()
    browser.get("/signup/")
    session = browser.session
    session["planted"] = True
    session.save()
    before = session.session_key
    browser.get(f"/onboarding/{code}/")
    assert browser.cookies["sessionid"].value != before


def test_a_retired_code_gives_the_existing_refusal(api):
    signup, _phone = api.hosted_onboarding()
    code = signup["setup_code"]
    for path in ("", "hosted/", "business/", "live/"):
        page = Browser().get(f"/onboarding/{code}/{path}")
        assert page.status_code == 410 and b'data-error="setup_code_used"' in page.content, path


def test_the_browser_that_went_live_keeps_its_live_pages_but_adds_nothing(client, api):
    client.post("/signup/", {"name": "Ana", "email": "ana@example.com", "business_name": "Ana"})
    phone = new_phone()
    client.post("/onboarding/hosted/", {"phone_number": phone})
    client.post("/onboarding/verify/", {"code": api.otp(phone)})
    assert client.get("/onboarding/live/").status_code == 200
    refused = client.post("/onboarding/hosted/", {"phone_number": new_phone()})
    assert refused.status_code == 410 and b'data-error="setup_code_used"' in refused.content
    assert WhatsAppNumber.objects.count() == 1


def test_a_replaced_code_unbinds_the_old_session(api):
    """A fresh link (the portal's resume issues one) retires the sessions that the old one opened."""
    signup = api.register()
    browser = Browser()
    browser.get(f"/onboarding/{signup['setup_code']}/")
    assert browser.get("/onboarding/").status_code == 200
    services.issue_setup_code(client=Client.objects.get(pk=signup["client_id"]))
    stale = browser.get("/onboarding/")
    assert stale.status_code == 404 and b'data-error="invalid_setup_code"' in stale.content
