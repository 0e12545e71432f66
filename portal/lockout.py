"""What a locked-out login sees (django-axes' AXES_LOCKOUT_CALLABLE, see tenants/lockout.py).

The portal and back-office login pages answer with a page that says why and for how long, in the
visitor's language; an API path answers with the JSON error shape. Both are 429, never a bare 403.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from core.exceptions import json_error
from tenants.lockout import lockout_message


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = json_error("locked_out", lockout_message(), 429)
    else:
        login_url = reverse("admin:login") if request.path.startswith(reverse("admin:index")) else settings.LOGIN_URL
        context = {"message": lockout_message(), "login_url": login_url, "title": gettext("Logging in is blocked")}
        response = render(request, "portal/locked_out.html", context, status=429)
    response["Retry-After"] = retry_after
    return response
