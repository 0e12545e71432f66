"""The one HTTP client for Meta's Graph API (or the sandbox standing in for it).

Every call goes through `GraphClient.request`: one place for the base URL, API version, bearer
token, timeout and the mapping of failures to typed errors (`whatsapp.errors`).
"""

from __future__ import annotations

import logging
from typing import Any

import requests
import urllib3
from django.conf import settings

from core import metrics
from whatsapp.errors import GraphError, GraphTimeoutError, TransientGraphError, error_from_response
from whatsapp.identity import send_address

logger = logging.getLogger(__name__)

_session = requests.Session()
_session.headers["User-Agent"] = "crm-master/1.0"
_session.trust_env = False  # the environment is read once per Graph host (below), not on every call
_environment: dict[str, dict[str, Any]] = {}


def environment_settings(base_url: str) -> dict[str, Any]:
    """Proxies (HTTPS_PROXY, NO_PROXY) and CA bundle (REQUESTS_CA_BUNDLE) for a Graph host, as requests reads them.

    requests walks the whole process environment twice on every call to find them, which was a sixth of the
    reply task's CPU; they cannot change while the process runs, so each host's are read once.
    """
    found = _environment.get(base_url)
    if found is None:
        found = requests.Session().merge_environment_settings(base_url, {}, None, None, None)
        _environment[base_url] = found
    return found


def _send(
    method: str, url: str, *, base_url: str, headers: dict[str, str], timeout: float, **body
) -> requests.Response:
    """A Graph call straight through the session's connection adapter (its pooled, kept-alive connections);
    `body` is `params`, `json`, `data` and `files`, prepared as `requests` prepares them (forms included).

    `Session.request` spent a quarter of each Graph call on what these calls do not use: merging per-call
    settings with the session's, its cookie jar, response hooks and the redirect loop (the Graph API answers
    every call itself; a 3xx is an error like any other status). Two calls per answered message.
    """
    request = requests.PreparedRequest()
    request.prepare(method=method, url=url, headers={**_session.headers, **headers}, **body)
    response = _session.get_adapter(url).send(request, timeout=timeout, **environment_settings(base_url))
    response.content  # noqa: B018 - read the body here, as Session.send does: its failures are the call's
    return response


def _dropped_after_sending(exc: requests.ConnectionError) -> bool:
    """True when the connection broke after the request was written (urllib3's ProtocolError: "Connection
    aborted", reset or closed while we waited for the answer). Meta may have carried out such a request, so a
    send is never repeated; failures to connect (refused, DNS, TLS) wrap a MaxRetryError and sent nothing."""
    reason = exc.args[0] if exc.args else None
    return isinstance(reason, urllib3.exceptions.ProtocolError)


def graph_error_label(error: GraphError) -> str:
    """Meta's error code, or what happened when Meta gave none (timeout, unreachable, http_<status>)."""
    if error.code is not None:
        return str(error.code)
    if isinstance(error, GraphTimeoutError):
        return "timeout"
    if error.http_status:
        return f"http_{error.http_status}"
    return "unreachable" if error.transient else "invalid_answer"


class GraphClient:
    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        version: str | None = None,
        timeout: float | None = None,
    ):
        self.token = token
        self.base_url = (base_url or settings.WHATSAPP_GRAPH_URL).rstrip("/")
        self.version = version or settings.WHATSAPP_GRAPH_VERSION
        self.timeout = timeout or settings.WHATSAPP_GRAPH_TIMEOUT

    @classmethod
    def for_number(cls, number) -> GraphClient:
        """A client that speaks with the number's own token (business token for Embedded Signup)."""
        return cls(number.access_token)

    @classmethod
    def for_operator(cls) -> GraphClient:
        return cls(settings.WHATSAPP_MASTER_TOKEN)

    @classmethod
    def for_app(cls) -> GraphClient:
        """The app access token (`{app-id}|{app-secret}`): reads the app's own settings and inspects tokens."""
        return cls(f"{settings.WHATSAPP_APP_ID}|{settings.WHATSAPP_APP_SECRET}")

    # -- transport ----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        authenticated: bool = True,
    ) -> dict[str, Any]:
        try:
            return self._request(method, path, params=params, json=json, data=data, files=files, auth=authenticated)
        except GraphError as error:
            metrics.GRAPH_ERRORS.inc(code=graph_error_label(error))
            raise

    def _request(self, method: str, path: str, *, params, json, data, files, auth: bool) -> dict[str, Any]:
        url = f"{self.base_url}/{self.version}/{path.lstrip('/')}"
        headers = {"Authorization": f"Bearer {self.token}"} if auth else {}
        try:
            response = _send(
                method,
                url,
                base_url=self.base_url,
                headers=headers,
                timeout=self.timeout,
                params=params,
                json=json,
                data=data,
                files=files,
            )
        except requests.ConnectTimeout as exc:  # nothing was sent: safe to try again
            raise TransientGraphError(f"Graph API unreachable within {self.timeout}s") from exc
        except requests.Timeout as exc:  # sent, but no answer: Meta may have carried it out
            raise GraphTimeoutError(f"Graph API did not answer within {self.timeout}s") from exc
        except requests.ConnectionError as exc:
            if _dropped_after_sending(exc):  # the request went out, the answer never came: like a read timeout
                raise GraphTimeoutError("Graph API closed the connection before answering") from exc
            raise TransientGraphError(f"Graph API unreachable: {exc.__class__.__name__}") from exc
        except requests.exceptions.ChunkedEncodingError as exc:  # the answer began, then broke off: Meta acted
            raise GraphTimeoutError("Graph API's answer broke off before its end") from exc
        except requests.RequestException as exc:
            raise TransientGraphError(f"Graph API unreachable: {exc.__class__.__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            error = error_from_response(response.status_code, body)
            logger.warning("Graph %s %s failed: %s", method, path, error)
            raise error
        if not isinstance(body, dict):
            raise GraphError("Graph API answered with something that is not a JSON object", payload=body)
        return body

    # -- messages -----------------------------------------------------------------------------
    def send_message(self, phone_number_id: str, to: str, message: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """POST /{PNID}/messages; `message` holds `type` and its object (e.g. {"type": "text", "text": {...}}).

        `to` is a phone number or a BSUID: Meta takes a phone in `to` and a BSUID only in `recipient`.
        """
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **send_address(to), **message, **extra}
        return self.request("POST", f"{phone_number_id}/messages", json=body)

    def send_text(self, phone_number_id: str, to: str, text: str, *, preview_url: bool = False, **extra: Any):
        message = {"type": "text", "text": {"body": text, "preview_url": preview_url}}
        return self.send_message(phone_number_id, to, message, **extra)

    def send_template(
        self, phone_number_id: str, to: str, name: str, language: str, components: list | None = None, **extra: Any
    ):
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = components
        return self.send_message(phone_number_id, to, {"type": "template", "template": template}, **extra)

    def mark_read(self, phone_number_id: str, wamid: str, *, typing: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
        if typing:
            body["typing_indicator"] = {"type": "text"}
        return self.request("POST", f"{phone_number_id}/messages", json=body)

    # -- phone numbers ------------------------------------------------------------------------
    def add_phone_number(self, waba_id: str, cc: str, phone_number: str, verified_name: str) -> dict[str, Any]:
        body = {"cc": cc, "phone_number": phone_number, "verified_name": verified_name}
        return self.request("POST", f"{waba_id}/phone_numbers", json=body)

    def request_code(self, phone_number_id: str, *, method: str = "SMS", language: str = "es") -> dict[str, Any]:
        return self.request(
            "POST", f"{phone_number_id}/request_code", params={"code_method": method, "language": language}
        )

    def verify_code(self, phone_number_id: str, code: str) -> dict[str, Any]:
        return self.request("POST", f"{phone_number_id}/verify_code", params={"code": code})

    def register(self, phone_number_id: str, pin: str) -> dict[str, Any]:
        return self.request("POST", f"{phone_number_id}/register", json={"messaging_product": "whatsapp", "pin": pin})

    def deregister(self, phone_number_id: str) -> dict[str, Any]:
        return self.request("POST", f"{phone_number_id}/deregister")

    def delete_phone_number(self, phone_number_id: str) -> dict[str, Any]:
        """DELETE /{PNID}: remove the number from its WhatsApp Business Account (frees its place in the portfolio)."""
        return self.request("DELETE", phone_number_id)

    def get_phone_number(self, phone_number_id: str, fields: list[str] | None = None) -> dict[str, Any]:
        fields = fields or [
            "display_phone_number",
            "verified_name",
            "status",
            "quality_rating",
            "name_status",
            "code_verification_status",
            "whatsapp_business_manager_messaging_limit",
            "throughput",
        ]
        return self.request("GET", phone_number_id, params={"fields": ",".join(fields)})

    def subscribe_app(self, waba_id: str) -> dict[str, Any]:
        return self.request("POST", f"{waba_id}/subscribed_apps")

    # -- Embedded Signup ------------------------------------------------------------------------
    def exchange_code(self, code: str) -> dict[str, Any]:
        """Trade the 30-second Embedded Signup code for the client's business token."""
        params = {
            "client_id": settings.WHATSAPP_APP_ID,
            "client_secret": settings.WHATSAPP_APP_SECRET,
            "code": code,
        }
        return self.request("GET", "oauth/access_token", params=params, authenticated=False)

    # -- more phone number and account endpoints (added with the sandbox) ------------------------
    def list_phone_numbers(self, waba_id: str, fields: list[str] | None = None) -> dict[str, Any]:
        params = {"fields": ",".join(fields)} if fields else None
        return self.request("GET", f"{waba_id}/phone_numbers", params=params)

    def update_phone_number(self, phone_number_id: str, **fields: Any) -> dict[str, Any]:
        """POST /{PNID}: change the two-step PIN (`pin=`) or set `webhook_configuration=`."""
        return self.request("POST", phone_number_id, json=fields)

    def set_webhook_override(self, phone_number_id: str, callback_uri: str, verify_token: str) -> dict[str, Any]:
        """Send this number's message webhooks to another URL (Meta checks number → WABA → app)."""
        config = {"override_callback_uri": callback_uri, "verify_token": verify_token}
        return self.update_phone_number(phone_number_id, webhook_configuration=config)

    def list_subscribed_apps(self, waba_id: str) -> dict[str, Any]:
        return self.request("GET", f"{waba_id}/subscribed_apps")

    # -- the app (with the app token, GraphClient.for_app) ------------------------------------------
    def debug_token(self, input_token: str) -> dict[str, Any]:
        """GET /debug_token: `data{is_valid, app_id, type, expires_at, scopes, granular_scopes, error?}`."""
        return self.request("GET", "debug_token", params={"input_token": input_token})

    def app_subscriptions(self, app_id: str) -> dict[str, Any]:
        """GET /{app-id}/subscriptions: `data[{object, callback_url, active, fields[{name, version}]}]`."""
        return self.request("GET", f"{app_id}/subscriptions")

    # -- media ------------------------------------------------------------------------------------
    def upload_media(self, phone_number_id: str, content: bytes, mime_type: str, filename: str = "file") -> str:
        """POST /{PNID}/media (multipart); returns the media id to send by id."""
        body = self.request(
            "POST",
            f"{phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
        )
        return str(body["id"])

    def get_media(self, media_id: str) -> dict[str, Any]:
        """GET /{media-id}: a short-lived `url` plus `mime_type`, `sha256`, `file_size`."""
        return self.request("GET", media_id)

    def delete_media(self, media_id: str) -> dict[str, Any]:
        return self.request("DELETE", media_id)

    def download_media(self, media_id: str) -> tuple[bytes, str]:
        """The bytes and MIME type of a media id (inbound photos, uploads); the URL needs the token too."""
        info = self.get_media(media_id)
        try:
            return self._download(info)
        except GraphError as error:
            metrics.GRAPH_ERRORS.inc(code=graph_error_label(error))
            raise

    def _download(self, info: dict[str, Any]) -> tuple[bytes, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = _session.get(info["url"], headers=headers, timeout=self.timeout)
        except requests.Timeout as exc:
            raise GraphTimeoutError(f"Media download did not answer within {self.timeout}s") from exc
        except requests.RequestException as exc:
            raise TransientGraphError(f"Media download failed: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise error_from_response(response.status_code, None)
        return response.content, str(info.get("mime_type") or response.headers.get("Content-Type", ""))

    # -- message templates ------------------------------------------------------------------------
    def list_templates(self, waba_id: str, **filters: str) -> dict[str, Any]:
        """GET /{WABA}/message_templates; filters such as name=, status=, language=."""
        return self.request("GET", f"{waba_id}/message_templates", params=filters or None)

    def create_template(
        self, waba_id: str, name: str, language: str, category: str, components: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """POST /{WABA}/message_templates → {id, status: PENDING, category}; approval comes by webhook."""
        body = {"name": name, "language": language, "category": category, "components": components}
        return self.request("POST", f"{waba_id}/message_templates", json=body)

    def delete_template(self, waba_id: str, name: str) -> dict[str, Any]:
        return self.request("DELETE", f"{waba_id}/message_templates", params={"name": name})
