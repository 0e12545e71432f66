"""Onboarding pages (mounted at the site root by crm/urls.py).

Only the onboarding link, `/onboarding/<setup_code>/`, carries the setup code: it binds the browser's session
and redirects to the code-free pages below. The old per-page paths with a code (links in e-mails already
sent, bookmarks) do the same and land on their page; `<setup_code>/qr.png` stays the link's QR picture.
"""

from django.urls import path

from onboarding import views

app_name = "onboarding"

# Code-free page path → URL name; each also answers under /onboarding/<setup_code>/<path> (the old form).
PAGES = {
    "": "home",
    "qr.png": "setup-qr",
    "hosted/": "hosted",
    "verify/": "verify",
    "resend/": "resend",
    "connect/": "connect",
    "number/": "choose-number",
    "business/": "business",
    "live/": "live",
    "whatsapp-qr.png": "chat-qr",
    "password/": "password",
}
VIEWS = {
    "home": views.home,
    "setup-qr": views.setup_qr_png,
    "hosted": views.hosted,
    "verify": views.verify,
    "resend": views.resend,
    "connect": views.connect,
    "choose-number": views.choose_number,
    "business": views.business,
    "live": views.live,
    "chat-qr": views.chat_qr_png,
    "password": views.set_password,
}

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("onboarding/capacity/", views.capacity, name="capacity"),
    path("onboarding/resume/", views.resume, name="resume"),
    *(path(f"onboarding/{page}", VIEWS[name], name=name) for page, name in PAGES.items()),
    path("onboarding/<str:setup_code>/", views.link, name="link"),
    # The link's QR as a PNG (the API hands out this URL): the picture of the one URL that carries the code.
    path("onboarding/<str:setup_code>/qr.png", views.link_qr_png, name="link-qr"),
    *(
        path(f"onboarding/<str:setup_code>/{page}", views.link, {"page": name}, name=f"link-{name}")
        for page, name in PAGES.items()
        if page and name != "setup-qr"
    ),
]
