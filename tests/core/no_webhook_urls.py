"""A URLconf without Meta's webhook (like bench/bare_urls.py): crm.wsgi then serves everything through Django."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("ok", lambda request: HttpResponse("ok"))]
