"""The team (owners only): who acts for the client, invitations by e-mail with an expiring link, and the page
where an invited person joins. Owners see everything; agents see the inbox, assistant, numbers and usage but not
API keys, webhooks, activity or the team (navigation and `portal_view(owner_only=True)`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError
from core.mail import header_text
from portal.access import PortalContext, portal_view, remember_client
from portal.forms import InviteForm, JoinForm
from portal.selectors import invitation_get, membership_get, pending_invitations, team_members
from portal.views.common import found
from tenants import services as tenant_services
from tenants.models import Invitation


def _send_invitation(request: HttpRequest, invitation: Invitation, token: str) -> None:
    link = f"{settings.PUBLIC_BASE_URL}{reverse('portal:join', args=[token])}"
    context = {
        "business": header_text(invitation.client.business_name),
        "inviter": request.user.get_full_name() or request.user.email,
        "link": link,
        "days": settings.INVITATION_TTL_DAYS,
        "role": invitation.get_role_display(),
    }
    subject = _("%(business)s invites you to answer their WhatsApp") % {"business": context["business"]}
    body = render_to_string("portal/team/invitation_email.txt", context, request=request)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


@require_http_methods(["GET", "POST"])
@portal_view(owner_only=True)
def team(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation, token = tenant_services.invitation_create(
                    client=portal.client, invited_by=request.user, **form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error("email", exc.message if exc.code != "already_member" else _("Already in the team."))
                status = exc.status_code
            else:
                _send_invitation(request, invitation, token)
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("portal:team")
        else:
            status = 400
    context = {
        "form": form,
        "members": team_members(client=portal.client),
        "invitations": pending_invitations(client=portal.client),
        "nav": "team",
        "settings_days": settings.INVITATION_TTL_DAYS,
    }
    return render(request, "portal/team/index.html", context, status=status)


@require_POST
@portal_view(owner_only=True)
def invitation_revoke(request: HttpRequest, portal: PortalContext, invitation_id: int) -> HttpResponse:
    invitation = found(invitation_get, client=portal.client, invitation_id=invitation_id)
    tenant_services.invitation_revoke(invitation=invitation)
    messages.success(request, _("Invitation cancelled: its link no longer works."))
    return redirect("portal:team")


@require_POST
@portal_view(owner_only=True)
def member_remove(request: HttpRequest, portal: PortalContext, membership_id: int) -> HttpResponse:
    membership = found(membership_get, client=portal.client, membership_id=membership_id)
    try:
        tenant_services.membership_remove(membership=membership)
    except ApplicationError:
        messages.error(request, _("The business needs at least one owner."))
    else:
        messages.success(request, _("%(email)s is no longer in the team.") % {"email": membership.user.email})
    return redirect("portal:team")


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: a new person picks a name and password; someone with an account logs in first."""
    invitation = tenant_services.invitation_for_token(token)
    if invitation is None:
        return render(request, "portal/team/join_invalid.html", status=410)
    existing = get_user_model()._default_manager.filter(email__iexact=invitation.email, is_active=True).first()
    signed_in_as_invited = request.user.is_authenticated and request.user.email.lower() == invitation.email.lower()
    form = JoinForm(request.POST or None, email=invitation.email) if existing is None else None
    status = 200
    if request.method == "POST":
        if existing is not None and not signed_in_as_invited:
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        if form is not None and not form.is_valid():
            status = 400
        else:
            try:
                membership = tenant_services.invitation_accept(
                    invitation=invitation,
                    user=request.user if signed_in_as_invited else None,
                    **({"name": form.cleaned_data["name"], "password": form.cleaned_data["password"]} if form else {}),
                )
            except ApplicationError:
                return render(request, "portal/team/join_invalid.html", status=410)
            if not signed_in_as_invited:
                login(request, membership.user, backend="tenants.auth.EmailOrUsernameBackend")
            remember_client(request, membership.client_id)
            business = membership.client.business_name
            messages.success(request, _("Welcome to the team of %(business)s.") % {"business": business})
            return redirect("portal:home")
    context = {
        "invitation": invitation,
        "form": form,
        "existing": existing is not None,
        "signed_in_as_invited": signed_in_as_invited,
    }
    return render(request, "portal/team/join.html", context, status=status)
