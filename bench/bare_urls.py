"""The baseline of bench/ingest.py: a Django view that reads the body and answers 200, nothing else."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request):
    request.body  # noqa: B018 - reading the body is the work being compared
    return HttpResponse("OK", content_type="text/plain")


urlpatterns = [path("webhook/whatsapp", bare), path("healthz", bare)]
