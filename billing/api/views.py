"""Usage and metrics over HTTP: thin views over billing.selectors."""

from __future__ import annotations

from datetime import date, datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.services import month_start
from core.exceptions import ApplicationError, NotFoundError
from tenants.access import ClientScopedApi, user_can_access_client
from tenants.models import Client


def parse_month(value: str | None) -> date:
    """`YYYY-MM` → its first day; empty → the current month; anything else is a 400."""
    if not value:
        return month_start()
    try:
        parsed = datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        parsed = None
    if parsed is None or len(value) != 7 or parsed.year < 2000:
        raise ApplicationError("month must look like YYYY-MM, e.g. 2026-11.", code="invalid_month")
    return parsed


class ClientStatsApi(APIView):
    """This month's usage and activity of one client: its own users and the operator only."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, client_id: int):
        # "Not yours" and "missing" answer the same 404.
        if not user_can_access_client(request.user, client_id):
            raise NotFoundError("No such client.")
        client = Client.objects.filter(pk=client_id).first()
        if client is None:
            raise NotFoundError("No such client.")
        return Response(selectors.client_stats(client=client))


class DashboardMetricsApi(APIView):
    """The operator's master dashboard: every client this month, plus totals."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(selectors.dashboard_metrics())


class UsageApi(ClientScopedApi):
    """Usage per number of the caller's client for a month (`?month=YYYY-MM`, default this month)."""

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM in TIME_ZONE; default: the current month")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        month = parse_month(request.query_params.get("month"))
        rows = selectors.usage_for_month(client=self.client, month=month)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        response = paginator.get_paginated_response(page)
        response.data["month"] = month.strftime("%Y-%m")
        return response
