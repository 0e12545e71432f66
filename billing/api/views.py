"""Usage over HTTP (`/api/v1/usage`): a thin view over billing.selectors."""

from __future__ import annotations

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import PageNumberPagination

from billing import selectors
from billing.months import parse_month
from core.exceptions import ApplicationError
from tenants.access import ClientScopedApi


def month_or_400(value: str | None) -> date:
    """`YYYY-MM` → its first day; empty → the current month; anything else is a 400."""
    parsed = parse_month(value)
    if parsed is None:
        raise ApplicationError("month must look like YYYY-MM, e.g. 2026-11.", code="invalid_month")
    return parsed


class UsageApi(ClientScopedApi):
    """Usage per number of the caller's client for a month (`?month=YYYY-MM`, default this month)."""

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM in TIME_ZONE; default: the current month")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        month = month_or_400(request.query_params.get("month"))
        rows = selectors.usage_for_month(client=self.client, month=month)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        response = paginator.get_paginated_response(page)
        response.data["month"] = month.strftime("%Y-%m")
        return response
