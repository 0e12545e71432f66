"""The inbox: conversation list with filters, a thread with live updates, sends, takeover and conversion marks.

Every conversation is loaded through `whatsapp.selectors.conversation_get` with the request's client, so
another client's conversation id is a 404. Sends go through `send_agent_message` (recorded, then sent by the
worker); its refusals (window closed, number inactive, client suspended) are shown as form errors.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from portal.access import PortalContext, portal_view
from portal.delivery_errors import failure_reason
from portal.forms import InboxFilterForm, SendMediaForm, SendTemplateForm, SendTextForm
from portal.selectors import approved_templates, conversation_rows, inbox_conversations, message_with_media
from portal.views.common import found
from whatsapp import selectors
from whatsapp.services import conversations as conversation_services
from whatsapp.services import ownership

PAGE_SIZE = 30
POLL_SECONDS = 4


def _filtered(request: HttpRequest, portal: PortalContext):
    form = InboxFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    conversations = inbox_conversations(
        client=portal.client,
        query=data.get("q", ""),
        owner=data.get("owner", ""),
        needs_attention=True if data.get("needs_person") else None,
    )
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    return form, page, conversation_rows(client=portal.client, user=request.user, conversations=list(page.object_list))


@require_GET
@portal_view
def inbox(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form, page, rows = _filtered(request, portal)
    status = 400 if form.is_bound and not form.is_valid() else 200
    context = {"form": form, "page": page, "rows": rows, "nav": "inbox", "poll_seconds": POLL_SECONDS}
    return render(request, "portal/inbox/list.html", context, status=status)


@require_GET
@portal_view
def inbox_rows(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    """The list's rows only, for the page's polling (`current`: the thread open beside it, highlighted)."""
    form, page, rows = _filtered(request, portal)
    if form.is_bound and not form.is_valid():
        return HttpResponse(status=400)
    current = form.cleaned_data.get("current") if form.is_bound else None
    return render(request, "portal/inbox/_rows.html", {"page": page, "rows": rows, "current": current})


def _thread_messages(portal: PortalContext, conversation) -> list[dict]:
    rows = []
    for message in selectors.message_list(client=portal.client, conversation=conversation):
        reason = failure_reason(message.error_code) if message.status == "failed" else ""
        rows.append({"message": message, "failure": reason})
    return rows


THREAD_REQUESTS = 5


def _thread_page(request, portal, conversation, *, text_form=None, template_form=None, status=200) -> HttpResponse:
    window_open = conversation.window_open()
    conversation_services.mark_read(conversation=conversation, user=request.user)
    # The list beside the thread (shown from 1024 px wide, like WhatsApp Web; a phone shows the thread alone).
    _form, page, side_rows = _filtered(request, portal)
    context = {
        "side_rows": side_rows,
        "side_page": page,
        "conversation": conversation,
        "rows": _thread_messages(portal, conversation),
        # The customer's latest requests in this conversation (bookings, orders, call backs), to act on.
        "requests": list(
            selectors.customer_request_list(client=portal.client, conversation_id=conversation.pk)[:THREAD_REQUESTS]
        ),
        "window_open": window_open,
        "text_form": text_form or SendTextForm(),
        "template_form": template_form or SendTemplateForm(),
        "open_template": template_form is not None or not window_open,
        # Asked of Meta only when a template is likely (window closed, or the agent is filling the form).
        "templates": approved_templates(number=conversation.number)
        if (template_form is not None or not window_open)
        else [],
        "nav": "inbox",
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "portal/inbox/thread.html", context, status=status)


def _conversation(portal: PortalContext, conversation_id: int):
    return found(selectors.conversation_get, client=portal.client, conversation_id=conversation_id)


@require_GET
@portal_view
def thread(request: HttpRequest, portal: PortalContext, conversation_id: int) -> HttpResponse:
    return _thread_page(request, portal, _conversation(portal, conversation_id))


@require_GET
@portal_view
def thread_messages(request: HttpRequest, portal: PortalContext, conversation_id: int) -> HttpResponse:
    """The thread's messages only, for the page's polling (new messages and delivery ticks)."""
    conversation = _conversation(portal, conversation_id)
    # The thread is open: new messages are read, for this person only.
    conversation_services.mark_read(conversation=conversation, user=request.user)
    context = {"conversation": conversation, "rows": _thread_messages(portal, conversation)}
    return render(request, "portal/inbox/_messages.html", context)


@require_GET
@portal_view
def thread_head(request: HttpRequest, portal: PortalContext, conversation_id: int) -> HttpResponse:
    """Who answers, attention and conversion, for the page's polling (an AI handoff shows without a reload)."""
    context = {"conversation": _conversation(portal, conversation_id)}
    return render(request, "portal/inbox/_head.html", context)


@require_POST
@portal_view
def send_text(request: HttpRequest, portal: PortalContext, conversation_id: int) -> HttpResponse:
    conversation = _conversation(portal, conversation_id)
    form = SendTextForm(request.POST)
    if not form.is_valid():
        return _thread_page(request, portal, conversation, text_form=form, status=400)
    try:
        conversation_services.send_agent_message(
            conversation=conversation, text=form.cleaned_data["text"], user=request.user
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _thread_page(request, portal, conversation, text_form=form, status=exc.status_code)
    return redirect("portal:thread", conversation.pk)


@require_POST
@portal_view
def send_media(request: HttpRequest, portal: PortalContext, conversation_id: int) -> HttpResponse:
    """A photo or a document from the inbox: uploaded to WhatsApp first, then sent like a message."""
    conversation = _conversation(portal, conversation_id)
    form = SendMediaForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            conversation_services.send_agent_media(
                conversation=conversation,
                content=upload.read(conversation_services.MAX_DOCUMENT_BYTES + 1),
                mime_type=upload.content_type or "",
                filename=upload.name or "file",
                caption=form.cleaned_data["caption"],
                user=request.user,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("portal:thread", conversation.pk)
        return redirect("portal:thread", conversation.pk)
    messages.error(request, _("Choose a photo or a document to send."))
    return redirect("portal:thread", conversation.pk)


@require_POST
@portal_view
def send_template(request: HttpRequest, portal: PortalContext, conversation_id: int) -> HttpResponse:
    conversation = _conversation(portal, conversation_id)
    form = SendTemplateForm(request.POST)
    if not form.is_valid():
        return _thread_page(request, portal, conversation, template_form=form, status=400)
    try:
        conversation_services.send_agent_message(conversation=conversation, template=form.template, user=request.user)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _thread_page(request, portal, conversation, template_form=form, status=exc.status_code)
    messages.success(request, _("Template queued for sending."))
    return redirect("portal:thread", conversation.pk)


def _action(request: HttpRequest, portal: PortalContext, conversation_id: int, apply, done: str) -> HttpResponse:
    conversation = _conversation(portal, conversation_id)
    apply(conversation=conversation)
    messages.success(request, done)
    return redirect("portal:thread", conversation.pk)


@require_POST
@portal_view
def take_over(request: HttpRequest, portal: PortalContext, conversation_id: int) -> HttpResponse:
    def apply(*, conversation):
        return ownership.take_over(conversation=conversation, user=request.user)

    return _action(request, portal, conversation_id, apply, _("You are answering this conversation now."))


@require_POST
@portal_view
def hand_back(request: HttpRequest, portal: PortalContext, conversation_id: int) -> HttpResponse:
    done = _("The assistant answers this conversation again.")
    return _action(request, portal, conversation_id, ownership.hand_back, done)


@require_POST
@portal_view
def mark_converted(request: HttpRequest, portal: PortalContext, conversation_id: int) -> HttpResponse:
    done = _("Marked as converted.")
    return _action(request, portal, conversation_id, conversation_services.mark_converted, done)


@require_POST
@portal_view
def unmark_converted(request: HttpRequest, portal: PortalContext, conversation_id: int) -> HttpResponse:
    done = _("No longer marked as converted.")
    return _action(request, portal, conversation_id, conversation_services.unmark_converted, done)


@require_GET
@portal_view
def message_media(request: HttpRequest, portal: PortalContext, message_id: int) -> HttpResponse:
    """The photo, voice note, video or document a customer sent, only to the client's own people (another
    client's message, or one without a stored file, is a 404)."""
    message = found(message_with_media, client=portal.client, message_id=message_id)
    inline = message.media_mime.split("/")[0] in ("image", "audio", "video")
    response = FileResponse(message.media_file.open("rb"), content_type=message.media_mime or None)
    # A document is saved under the stored name (the message's uuid and the extension of its type), never the
    # customer's own file name: nothing they typed reaches the header.
    name = os.path.basename(message.media_file.name) or str(message.uuid)
    response["Content-Disposition"] = "inline" if inline else f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
