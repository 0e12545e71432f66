"""The product's URLs plus one view that fails, for the Sentry test's subprocess."""

from django.urls import path

from crm.urls import urlpatterns as product_urlpatterns


def boom(request):
    raise RuntimeError("sentry test: a view failed")


urlpatterns = [path("boom-for-sentry", boom), *product_urlpatterns]
