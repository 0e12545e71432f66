"""The product's URLs plus one view that fails: tests render the Spanish 500 page through Django's handler500
without the product having a route that raises."""

from django.urls import path

from crm.urls import urlpatterns as product_urlpatterns


def boom(request):
    raise RuntimeError("test: a view failed")


urlpatterns = [path("test-only/server-error/", boom), *product_urlpatterns]
