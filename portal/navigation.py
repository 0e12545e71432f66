"""The tabs of every page, in one place: a page family adds its tab here and nothing else.

`PORTAL_TABS` are shown to a client's users on /app/ pages (`who`: "member" for owners and agents, "owner" for
owners only); `OPERATOR_TABS` to staff on the operator's pages. The context processor `nav_tabs` picks the
list for the request, so templates only loop over it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Tab:
    key: str
    url_name: str
    label: str | Promise
    who: str = "member"  # member | owner | staff
    # Other url names that belong to this tab (the thread belongs to the inbox).
    also: tuple[str, ...] = ()


PORTAL_TABS: list[Tab] = [
    Tab("home", "portal:home", _("Home")),
    Tab("inbox", "portal:inbox", _("Inbox"), also=("portal:thread", "portal:contact")),
    Tab("requests", "portal:requests", _("Requests")),
    Tab("assistant", "portal:assistant", _("Assistant")),
    Tab("numbers", "portal:numbers", _("Numbers")),
    Tab("usage", "portal:usage", _("Usage")),
    Tab("api_keys", "portal:api-keys", _("API keys"), who="owner"),
    Tab("webhooks", "portal:webhooks", _("Webhooks"), who="owner", also=("portal:webhook",)),
    Tab("team", "portal:team", _("Team"), who="owner"),
    Tab("activity", "portal:activity", _("Activity"), who="owner"),
    Tab("privacy", "portal:privacy", _("Privacy"), who="owner"),
]

OPERATOR_TABS: list[Tab] = [
    Tab("dashboard", "portal:dashboard", _("Dashboard"), who="staff"),
    Tab("costs", "billing:costs", _("Meta costs"), who="staff"),
    Tab("capacity", "onboarding:capacity", _("Hosted numbers"), who="staff"),
    Tab("admin", "admin:index", _("Back office"), who="staff"),
]


@dataclass(frozen=True)
class ShownTab:
    key: str
    url: str
    label: str | Promise
    current: bool
    count: int = 0


def _allowed(tab: Tab, request: HttpRequest) -> bool:
    portal = getattr(request, "portal", None)
    if tab.who == "staff":
        return request.user.is_staff
    if tab.who == "owner":
        return portal is not None and portal.is_owner
    return portal is not None


def _shown(tabs: list[Tab], request: HttpRequest, counts: dict[str, int]) -> list[ShownTab]:
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    return [
        ShownTab(
            key=tab.key,
            url=reverse(tab.url_name),
            label=tab.label,
            current=view_name == tab.url_name or view_name in tab.also,
            count=counts.get(tab.key, 0),
        )
        for tab in tabs
        if _allowed(tab, request)
    ]


def nav_tabs(request: HttpRequest) -> dict:
    """Context processor: `nav_tabs` for this request (portal tabs inside /app/, operator tabs for staff)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_tabs": []}
    portal = getattr(request, "portal", None)
    if portal is not None:
        tabs = _shown(PORTAL_TABS, request, {"inbox": getattr(request, "portal_waiting", 0)})
        if request.user.is_staff:
            tabs.append(ShownTab("dashboard", reverse("portal:dashboard"), _("Dashboard"), False))
        if portal.client_count > 1:
            tabs.append(ShownTab("switch-client", reverse("portal:choose-client"), _("Switch business"), False))
        return {"nav_tabs": tabs}
    if request.user.is_staff:
        return {"nav_tabs": _shown(OPERATOR_TABS, request, {})}
    return {"nav_tabs": []}
