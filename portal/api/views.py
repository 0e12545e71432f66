"""The report contracts of the original brief: one client's stats, the operator's dashboard metrics."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFoundError
from portal import reports
from tenants.access import user_can_access_client
from tenants.models import Client


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
        return Response(reports.client_stats(client=client))


class DashboardMetricsApi(APIView):
    """The operator's master dashboard: every client this month, plus totals."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(reports.dashboard_metrics())
