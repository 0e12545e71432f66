"""`manage.py doctor`: is Meta configured the way the product needs, seen from the operator's side?

Read-only: every check asks the Graph API (or the sandbox standing in for it) and turns the answer into a
finding with what to fix, in the active language. Order matters only for reading: settings, Graph
version, the master token, the app's webhook, each WABA's app subscription (and each Embedded Signup
business token), then each number's registration and quality.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.models import WhatsAppNumber
from tenants.selectors import active_numbers_to_check
from whatsapp.client import GraphClient
from whatsapp.errors import GraphError

OK, WARN, FAIL = "ok", "warn", "fail"

# Graph API versions and the day Meta stops serving each (docs/meta-facts.md); None: no date announced.
GRAPH_VERSIONS: dict[str, date | None] = {
    "v20.0": date(2026, 9, 24),
    "v21.0": date(2027, 1, 21),
    "v22.0": date(2027, 5, 20),
    "v23.0": date(2027, 10, 8),
    "v24.0": date(2028, 2, 18),
    "v25.0": date(2028, 7, 29),
    "v26.0": None,
}
VERSION_WARNING = timedelta(days=90)
TOKEN_WARNING = timedelta(days=7)
REQUIRED_SCOPES = ("whatsapp_business_management", "whatsapp_business_messaging")
# The webhook fields docs/meta-setup.md (3. Webhook) asks for: without these, events the product acts on
# never arrive; the recommended ones feed the messaging limit and template views.
WEBHOOK_FIELDS = (
    "messages",
    "account_update",
    "phone_number_name_update",
    "phone_number_quality_update",
    "message_template_status_update",
    "account_alerts",
    "user_preferences",
)
RECOMMENDED_FIELDS = ("business_capability_update", "message_template_quality_update", "template_category_update")
NUMBER_FIELDS = ["status", "platform_type", "code_verification_status", "quality_rating", "name_status"]
REQUIRED_SETTINGS = (
    "WHATSAPP_MASTER_TOKEN",
    "WHATSAPP_APP_ID",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_BUSINESS_ACCOUNT_ID",
    "WEBHOOK_URL",
)


@dataclass(frozen=True)
class Finding:
    status: str  # ok, warn, fail
    subject: str
    detail: str
    fix: str = ""


def run_checks(*, today: date | None = None) -> list[Finding]:
    """Every finding, in reading order. Graph checks are skipped when the settings they need are missing."""
    findings = list(check_settings())
    findings += list(check_graph_version(today=today or timezone.localdate()))
    if any(f.status == FAIL for f in findings if f.subject.startswith("WHATSAPP_")):
        return findings  # without the token or the app, Meta cannot be asked anything
    for check in CHECKS:
        findings += list(check())
    return findings


def check_settings() -> Iterator[Finding]:
    for name in REQUIRED_SETTINGS:
        if not getattr(settings, name, ""):
            yield Finding(
                FAIL,
                name,
                _("not set"),
                _("Set %(name)s in the environment (.env.example explains it).") % {"name": name},
            )
    url = settings.WEBHOOK_URL
    if url and not url.startswith("https://") and not settings.WHATSAPP_SANDBOX:
        yield Finding(
            FAIL,
            "WEBHOOK_URL",
            _("%(url)s is not HTTPS") % {"url": url},
            _("Meta only calls HTTPS URLs with a CA-signed certificate: put TLS in front and set WEBHOOK_URL to it."),
        )


def check_graph_version(*, today: date) -> Iterator[Finding]:
    version = settings.WHATSAPP_GRAPH_VERSION
    subject = _("Graph API version")
    newest = max(GRAPH_VERSIONS, key=lambda v: float(v[1:]))
    if version not in GRAPH_VERSIONS:
        yield Finding(
            WARN,
            subject,
            _("%(version)s is not a version this product knows") % {"version": version},
            _("Set WHATSAPP_GRAPH_VERSION to %(newest)s unless Meta announced a newer one.") % {"newest": newest},
        )
        return
    ends = GRAPH_VERSIONS[version]
    if ends is not None and ends <= today:
        yield Finding(
            FAIL,
            subject,
            _("%(version)s stopped working on %(date)s") % {"version": version, "date": ends.isoformat()},
            _("Set WHATSAPP_GRAPH_VERSION to %(newest)s.") % {"newest": newest},
        )
    elif ends is not None and ends - today <= VERSION_WARNING:
        yield Finding(
            WARN,
            subject,
            _("%(version)s stops working on %(date)s") % {"version": version, "date": ends.isoformat()},
            _("Move WHATSAPP_GRAPH_VERSION to %(newest)s before then.") % {"newest": newest},
        )
    else:
        yield Finding(OK, subject, version)


def _unreachable(subject: str, error: GraphError) -> Finding:
    return Finding(
        FAIL,
        subject,
        _("Meta could not be asked: %(error)s") % {"error": error},
        _("Check WHATSAPP_GRAPH_URL, the network, and WHATSAPP_APP_ID / WHATSAPP_APP_SECRET (the app token)."),
    )


def token_findings(subject: str, token: str, *, what: str) -> Iterator[Finding]:
    """Is this token valid, of our app, lasting, and granted the WhatsApp permissions? (GET /debug_token)"""
    try:
        info = GraphClient.for_app().debug_token(token).get("data") or {}
    except GraphError as error:
        yield _unreachable(subject, error)
        return
    renew = (
        _("Create a system-user token in Business Settings > System users with %(scopes)s, and set %(what)s.")
        if what == "WHATSAPP_MASTER_TOKEN"
        else _("The client must run Embedded Signup again (%(what)s); it needs %(scopes)s.")
    ) % {"scopes": ", ".join(REQUIRED_SCOPES), "what": what}
    if not info.get("is_valid"):
        reason = (info.get("error") or {}).get("message") or _("Meta says it is not valid")
        yield Finding(FAIL, subject, _("the token is not valid: %(reason)s") % {"reason": reason}, renew)
        return
    if str(info.get("app_id") or "") != str(settings.WHATSAPP_APP_ID):
        yield Finding(
            FAIL,
            subject,
            _("the token belongs to app %(app)s, not WHATSAPP_APP_ID %(ours)s")
            % {"app": info.get("app_id"), "ours": settings.WHATSAPP_APP_ID},
            renew,
        )
        return
    missing = [scope for scope in REQUIRED_SCOPES if scope not in (info.get("scopes") or [])]
    if missing:
        yield Finding(
            FAIL, subject, _("the token lacks the permissions %(scopes)s") % {"scopes": ", ".join(missing)}, renew
        )
        return
    expires = int(info.get("expires_at") or 0)
    if expires:
        at = datetime.fromtimestamp(expires, tz=UTC)
        when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
        if at - timezone.now() <= TOKEN_WARNING:
            yield Finding(WARN, subject, _("valid, but it expires on %(date)s") % {"date": when}, renew)
            return
        yield Finding(
            OK,
            subject,
            _("valid until %(date)s, with %(scopes)s") % {"date": when, "scopes": ", ".join(REQUIRED_SCOPES)},
        )
        return
    yield Finding(OK, subject, _("valid, never expires, with %(scopes)s") % {"scopes": ", ".join(REQUIRED_SCOPES)})


def check_master_token() -> Iterator[Finding]:
    yield from token_findings(_("Master token"), settings.WHATSAPP_MASTER_TOKEN, what="WHATSAPP_MASTER_TOKEN")


def check_app_webhook() -> Iterator[Finding]:
    """The app's callback URL and fields for WhatsApp Business Accounts (GET /{app-id}/subscriptions)."""
    subject = _("App webhook")
    where = _(
        "In the App Dashboard, WhatsApp > Configuration: callback URL %(url)s, verify token WHATSAPP_VERIFY_TOKEN."
    )
    where %= {"url": settings.WEBHOOK_URL}
    try:
        data = GraphClient.for_app().app_subscriptions(settings.WHATSAPP_APP_ID).get("data") or []
    except GraphError as error:
        yield _unreachable(subject, error)
        return
    entry = next((s for s in data if s.get("object") == "whatsapp_business_account"), None)
    if entry is None or not entry.get("active"):
        yield Finding(FAIL, subject, _("the app has no active webhook for WhatsApp Business Accounts"), where)
        return
    found = True
    if entry.get("callback_url") != settings.WEBHOOK_URL:
        found = False
        yield Finding(
            FAIL,
            subject,
            _("Meta calls %(theirs)s, but this product listens at %(ours)s")
            % {"theirs": entry.get("callback_url"), "ours": settings.WEBHOOK_URL},
            where,
        )
    fields = {f.get("name") for f in entry.get("fields") or []}
    missing = [field for field in WEBHOOK_FIELDS if field not in fields]
    if missing:
        found = False
        yield Finding(
            FAIL,
            subject,
            _("not subscribed to the fields %(fields)s") % {"fields": ", ".join(missing)},
            _("In the App Dashboard, WhatsApp > Configuration > Webhook fields: subscribe to %(fields)s.")
            % {"fields": ", ".join(missing)},
        )
    optional = [field for field in RECOMMENDED_FIELDS if field not in fields]
    if optional:
        found = False
        yield Finding(
            WARN,
            subject,
            _("not subscribed to the recommended fields %(fields)s") % {"fields": ", ".join(optional)},
            _("In the App Dashboard, WhatsApp > Configuration > Webhook fields: subscribe to %(fields)s.")
            % {"fields": ", ".join(optional)},
        )
    if found:
        yield Finding(OK, subject, _("%(url)s with every field the product handles") % {"url": settings.WEBHOOK_URL})


def _wabas() -> list[tuple[str, str, WhatsAppNumber | None]]:
    """(WABA id, token, an Embedded Signup number using it) for the operator's WABA and each client's own."""
    wabas: dict[str, tuple[str, str, WhatsAppNumber | None]] = {
        settings.WHATSAPP_BUSINESS_ACCOUNT_ID: (
            settings.WHATSAPP_BUSINESS_ACCOUNT_ID,
            settings.WHATSAPP_MASTER_TOKEN,
            None,
        )
    }
    for number in active_numbers_to_check():
        if number.connection_type == WhatsAppNumber.ConnectionType.EMBEDDED and number.waba_id not in wabas:
            wabas[number.waba_id] = (number.waba_id, number.access_token, number)
    return list(wabas.values())


def check_wabas() -> Iterator[Finding]:
    """Our app subscribed to every WABA (GET /{waba}/subscribed_apps), and each client's own token valid."""
    for waba_id, token, number in _wabas():
        subject = _("WABA %(waba)s") % {"waba": waba_id}
        if number is not None:
            client = number.client.business_name
            yield from token_findings(
                _("Business token of %(client)s") % {"client": client},
                token,
                what=_("number %(phone)s") % {"phone": number.phone_number},
            )
        try:
            apps = GraphClient(token).list_subscribed_apps(waba_id).get("data") or []
        except GraphError as error:
            yield _unreachable(subject, error)
            continue
        ids = {str((a.get("whatsapp_business_api_data") or {}).get("id") or a.get("id") or "") for a in apps}
        if str(settings.WHATSAPP_APP_ID) in ids:
            yield Finding(OK, subject, _("the app is subscribed"))
        else:
            yield Finding(
                FAIL,
                subject,
                _("the app is not subscribed: Meta sends this account's messages nowhere"),
                _("POST /%(waba)s/subscribed_apps with that account's token (for a client: run Embedded Signup again).")
                % {"waba": waba_id},
            )


def number_findings(number: WhatsAppNumber, info: dict[str, Any]) -> Iterator[Finding]:
    subject = _("Number %(phone)s (%(client)s)") % {"phone": number.phone_number, "client": number.client.business_name}
    healthy = True
    if info.get("status") != "CONNECTED" or info.get("platform_type") != "CLOUD_API":
        healthy = False
        yield Finding(
            FAIL,
            subject,
            _("not registered on the Cloud API (status %(status)s, platform %(platform)s)")
            % {"status": info.get("status"), "platform": info.get("platform_type")},
            _("Register it again: POST /%(id)s/register with its PIN (the back office's number page, or onboarding).")
            % {"id": number.phone_number_id},
        )
    if info.get("code_verification_status") not in ("VERIFIED", None) and number.connection_type == "hosted":
        healthy = False
        yield Finding(
            WARN,
            subject,
            _("its code verification is %(state)s") % {"state": info.get("code_verification_status")},
            _("Request and enter a new verification code (onboarding)."),
        )
    quality = info.get("quality_rating")
    if quality == "RED":
        healthy = False
        yield Finding(
            FAIL,
            subject,
            _("quality is RED: Meta may limit or block it"),
            _("Pause marketing templates for this client and look at blocks and reports in WhatsApp Manager."),
        )
    elif quality == "YELLOW":
        healthy = False
        yield Finding(
            WARN, subject, _("quality is YELLOW"), _("Watch what this client sends; fewer templates, more replies.")
        )
    name_status = info.get("name_status")
    if name_status == "DECLINED":
        healthy = False
        yield Finding(
            FAIL,
            subject,
            _("Meta declined its display name"),
            _("Submit a display name that follows Meta's rules in WhatsApp Manager."),
        )
    if healthy:
        yield Finding(OK, subject, _("registered, quality %(quality)s") % {"quality": quality or "?"})


def check_numbers() -> Iterator[Finding]:
    for number in active_numbers_to_check():
        try:
            info = GraphClient.for_number(number).get_phone_number(number.phone_number_id, fields=NUMBER_FIELDS)
        except GraphError as error:
            subject = _("Number %(phone)s (%(client)s)") % {
                "phone": number.phone_number,
                "client": number.client.business_name,
            }
            yield Finding(
                FAIL,
                subject,
                _("Meta could not be asked: %(error)s") % {"error": error},
                _("If the token was revoked (190) or the number removed (100), connect the number again."),
            )
            continue
        yield from number_findings(number, info)


CHECKS: tuple[Callable[[], Iterator[Finding]], ...] = (
    check_master_token,
    check_app_webhook,
    check_wabas,
    check_numbers,
)
