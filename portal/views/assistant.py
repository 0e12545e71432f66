"""The assistant: persona form, knowledge base (list, add, edit, delete) and "try your assistant".

Writes go through `ai.services`; another client's knowledge entry is a 404 (`ai.selectors.knowledge_entry_get`).
The preview calls `ai.services.preview_reply`: nothing is sent to anyone.
"""

from __future__ import annotations

import math

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ai import selectors, services
from ai.knowledge_csv import MAX_CSV_BYTES, KnowledgeCsvError
from ai.throttles import preview_refusal
from core.exceptions import ApplicationError
from portal.access import PortalContext, portal_view
from portal.forms import KnowledgeForm, KnowledgeImportForm, PersonaForm, PreviewForm
from portal.views.common import found


def _assistant_page(
    request,
    portal,
    *,
    persona_form=None,
    knowledge_form=None,
    import_form=None,
    preview_form=None,
    preview=None,
    status=200,
):
    persona = selectors.persona_for(client=portal.client)
    context = {
        "persona_form": persona_form or PersonaForm(instance=persona),
        "knowledge": selectors.knowledge_list(client=portal.client),
        "knowledge_form": knowledge_form or KnowledgeForm(),
        "import_form": import_form or KnowledgeImportForm(),
        "preview_form": preview_form or PreviewForm(),
        "preview": preview,
        "nav": "assistant",
    }
    return render(request, "portal/assistant/index.html", context, status=status)


@require_GET
@portal_view
def assistant(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    return _assistant_page(request, portal)


@require_POST
@portal_view
def persona_save(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form = PersonaForm(request.POST, instance=selectors.persona_for(client=portal.client))
    if form.is_valid():
        try:
            services.persona_update(client=portal.client, data=form.cleaned_data)
        except ApplicationError as exc:
            for field, errors in (exc.details or {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Assistant settings saved."))
            return redirect("portal:assistant")
    return _assistant_page(request, portal, persona_form=form, status=400)


@require_POST
@portal_view
def knowledge_add(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form = KnowledgeForm(request.POST)
    if not form.is_valid():
        return _assistant_page(request, portal, knowledge_form=form, status=400)
    services.knowledge_entry_create(client=portal.client, **form.cleaned_data)
    messages.success(request, _("Added to the knowledge base."))
    return redirect("portal:assistant")


@require_POST
@portal_view
def knowledge_import(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    """A CSV of questions and answers added to the base; any bad row is a form error and nothing changes."""
    form = KnowledgeImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # Read one byte past the limit: a larger file is refused without being held whole in memory.
            counts = services.knowledge_import_csv(client=portal.client, data=upload.read(MAX_CSV_BYTES + 1))
        except KnowledgeCsvError as error:
            for message in error.errors:
                form.add_error("file", message)
        else:
            messages.success(
                request,
                _("Imported: %(created)s new entries, %(updated)s updated.") % counts,
            )
            return redirect("portal:assistant")
    return _assistant_page(request, portal, import_form=form, status=400)


@require_GET
@portal_view
def knowledge_export(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    """The base as the CSV the import reads (UTF-8 with a byte-order mark, so spreadsheets show accents)."""
    response = HttpResponse(selectors.knowledge_csv(client=portal.client), content_type="text/csv; charset=utf-8")
    name = slugify(portal.client.business_name) or "knowledge"
    response["Content-Disposition"] = f'attachment; filename="{name}-knowledge.csv"'
    return response


@require_http_methods(["GET", "POST"])
@portal_view
def knowledge_edit(request: HttpRequest, portal: PortalContext, entry_id: int) -> HttpResponse:
    entry = found(selectors.knowledge_entry_get, client=portal.client, entry_id=entry_id)
    form = KnowledgeForm(request.POST or None, initial={"question": entry.question, "answer": entry.answer})
    if request.method == "POST" and form.is_valid():
        services.knowledge_entry_update(entry=entry, data=form.cleaned_data)
        messages.success(request, _("Knowledge entry saved."))
        return redirect("portal:assistant")
    status = 400 if form.is_bound else 200
    context = {"entry": entry, "form": form, "nav": "assistant"}
    return render(request, "portal/assistant/knowledge_edit.html", context, status=status)


@require_POST
@portal_view
def knowledge_delete(request: HttpRequest, portal: PortalContext, entry_id: int) -> HttpResponse:
    entry = found(selectors.knowledge_entry_get, client=portal.client, entry_id=entry_id)
    services.knowledge_entry_delete(entry=entry)
    messages.success(request, _("Knowledge entry deleted."))
    return redirect("portal:assistant")


@require_POST
@portal_view
def preview(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return _assistant_page(request, portal, preview_form=form, status=400)
    # Each preview may call the paid model: the same budgets as the API's (per user, per client).
    refused = preview_refusal(request, portal)
    if refused is not None:
        seconds = max(1, math.ceil(refused.wait() or 1))
        form.add_error(None, _("Too many previews. Try again in %(seconds)s seconds.") % {"seconds": seconds})
        return _assistant_page(request, portal, preview_form=form, status=429)
    draft = services.preview_reply(client=portal.client, message=form.cleaned_data["message"])
    return _assistant_page(request, portal, preview_form=form, preview=draft)
