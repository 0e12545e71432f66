"""Forms of the portal pages. Rules that other apps own are reused, not copied: template messages are
validated by the messaging API's serializer and persona values by the model (through `persona_update`)."""

from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from ai.greetings import is_click_to_chat_text
from ai.knowledge_csv import NOTE_LIMIT, answer_limit
from ai.models import Persona
from ai.services import PERSONA_FIELDS, PERSONA_TEXT_FIELDS, PERSONA_TEXT_LIMIT
from ai.text import WHATSAPP_TEXT_LIMIT
from integrations.events import EVENT_CHOICES
from whatsapp.models import Conversation, CustomerRequest
from whatsapp.templates import TemplateInputError, TemplateMessage


class LoginForm(AuthenticationForm):
    """Email and password (the authentication backend also accepts a username)."""

    username = forms.CharField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email", "inputmode": "email"}),
    )
    # Django's own wording is formal Spain Spanish; the portal speaks "tú" like the rest of the copy.
    error_messages = {
        "invalid_login": _("That email and password do not match. Check them and try again."),
        "inactive": _("This account is disabled."),
    }


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, worded for the portal, that also reaches owners who never chose a password (they
    signed up without one and left onboarding before the last step): the e-mail is their way back in."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email", "inputmode": "email"}),
    )

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (user for user in users if user.email and user.email.lower() == email.lower())


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Django's form for the reset link, with the portal's "tú" labels instead of the validators' formal list."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = _(
            "At least 8 characters; not only numbers, not your email, not a common password."
        )
        self.fields["new_password2"].label = _("Write it again")
        self.fields["new_password2"].help_text = ""


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Their email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("agent", _("Agent: answers in the inbox")), ("owner", _("Owner: also API keys, webhooks, team"))],
        initial="agent",
    )


class JoinForm(forms.Form):
    """A new account for an invited address: the name the team sees and a password."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only numbers, not your email, not a common password."),
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self) -> str:
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data["password"]
        validate_password(password, user=get_user_model()(email=self.email, username=self.email))
        return password


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name or phone"), max_length=100, required=False)
    owner = forms.ChoiceField(
        label=_("Answered by"),
        required=False,
        choices=[("", _("Anyone")), *Conversation.Owner.choices],
    )
    needs_person = forms.BooleanField(label=_("Only those needing a person"), required=False)
    # The thread open beside the list on a desktop (highlighted in the polled rows).
    current = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *CustomerRequest.Status.choices]
    )
    created_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    created_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    # One conversation's requests (the thread's "See them" link).
    conversation = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The last day cannot be before the first."))
        return cleaned


class RequestStatusForm(forms.Form):
    status = forms.ChoiceField(choices=CustomerRequest.Status.choices)
    # The list's filters, to come back to the same list after the change.
    back = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class SendTextForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        max_length=WHATSAPP_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Write a reply…")}),
    )

    def clean_text(self) -> str:
        # Browsers post a textarea's new lines as CRLF; WhatsApp and the stored message use plain LF.
        return self.cleaned_data["text"].replace("\r\n", "\n")


class SendMediaForm(forms.Form):
    file = forms.FileField(label=_("Photo or document"))
    caption = forms.CharField(label=_("Caption"), max_length=1024, required=False)


class SendTemplateForm(forms.Form):
    """An approved template: one parameter per line, or `name=value` lines for named parameters."""

    name = forms.CharField(
        label=_("Template name"), max_length=512, widget=forms.TextInput(attrs={"placeholder": "hello_world"})
    )
    language = forms.CharField(label=_("Language"), max_length=15, initial="es")
    parameters = forms.CharField(
        label=_("Parameters"),
        required=False,
        max_length=WHATSAPP_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, in order ({{1}}, {{2}}…), or name=value for named parameters."),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        lines = [line.strip() for line in cleaned.get("parameters", "").splitlines() if line.strip()]
        named = bool(lines) and all("=" in line for line in lines)
        parameters = dict(line.split("=", 1) for line in lines) if named else lines
        if named:
            parameters = {key.strip(): value.strip() for key, value in parameters.items()}
        data = {"name": cleaned["name"].strip(), "language": cleaned["language"].strip(), "parameters": parameters}
        try:
            cleaned["template"] = TemplateMessage.from_input(data)
        except TemplateInputError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned

    @property
    def template(self) -> TemplateMessage:
        return self.cleaned_data["template"]


class PersonaForm(forms.ModelForm):
    class Meta:
        model = Persona
        fields = list(PERSONA_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in PERSONA_TEXT_FIELDS}

        # The portal's own words (Spanish first): the model's labels are written for the back office.
        labels = {
            "enabled": _("The assistant answers customers"),
            "assistant_name": _("Assistant's name"),
            "business_description": _("What your business is and sells"),
            "tone": _("Tone"),
            "language": _("Language of the replies"),
            "greeting": _("Your assistant's welcome"),
            "click_to_chat_text": _("Message your customers send you from the QR code"),
            "business_hours": _("Opening hours"),
            "timezone": _("Time zone"),
            "booking_instructions": _("How customers book or buy"),
            "conversion_goal": _("What counts as a sale or booking"),
            "never_say": _("Things the assistant must never say"),
            "handoff_keywords": _("Words that call a person"),
            "max_reply_chars": _("Longest reply (characters)"),
            "handoff_message": _("Message when a person takes over"),
            "conversion_keywords": _("Phrases that confirm a sale or booking"),
            "request_fields": _("Details to ask for a booking, order or call back"),
        }
        help_texts = {
            "language": _("'The customer's language' answers in the language the customer writes in."),
            "greeting": _(
                "What the assistant answers when a customer says hello or sends the QR code's message. Empty uses ours."
            ),
            "click_to_chat_text": _(
                "Their phone types it for them when they scan your QR code or open your link. "
                "Changing it changes the QR code: print it again."
            ),
            "handoff_keywords": _("One per line. When a customer writes one, a person is called."),
            "max_reply_chars": _("Between 80 and 4096. Replies are cut at the end of a sentence."),
            "handoff_message": _("Empty uses ours."),
            "conversion_keywords": _("One per line, e.g. 'confirmo la cita'. Empty uses ours."),
            "conversion_goal": _("For example: the customer confirms an order."),
            "request_fields": _(
                "One per line, e.g. Nombre, Servicio, Día y hora, Dirección. The assistant asks for each one and "
                "records the request under Requests. Empty: the assistant takes no requests."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PERSONA_TEXT_FIELDS:  # the API's limit (ai.services), so the page cannot store more
            if name in self.fields:
                self.fields[name].max_length = PERSONA_TEXT_LIMIT
                self.fields[name].validators.append(MaxLengthValidator(PERSONA_TEXT_LIMIT))
                self.fields[name].widget.attrs["maxlength"] = str(PERSONA_TEXT_LIMIT)
        names = {"auto": _("The customer's language"), "es": _("Spanish"), "en": _("English")}
        self.fields["language"].choices = [
            (value, names.get(value, label)) for value, label in Persona.Language.choices
        ]

    def clean(self):
        cleaned = super().clean()
        if is_click_to_chat_text(cleaned.get("greeting") or "", cleaned.get("click_to_chat_text") or ""):
            self.add_error(
                "greeting",
                _("The welcome is what your assistant says; write it differently from your customers' message."),
            )
        return cleaned

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"].strip()
        if value not in available_timezones():
            raise forms.ValidationError(_("Unknown time zone; use a name such as America/Bogota."))
        return value


class KnowledgeForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=500, required=False)
    answer = forms.CharField(
        label=_("Answer"),
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Without a question it is a note: long notes are split into paragraphs the assistant searches."),
    )

    def clean(self):
        data = super().clean()
        limit = answer_limit(data.get("question", ""))
        if len(data.get("answer", "")) > limit:
            self.add_error(
                "answer",
                _("An answer to a question is sent as one message: at most %(limit)s characters.") % {"limit": limit},
            )
        return data


class KnowledgeImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Two columns with a header row: question,answer. UTF-8, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class PreviewForm(forms.Form):
    message = forms.CharField(
        label=_("A customer writes"),
        max_length=WHATSAPP_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Hello, what time do you open?")}),
    )


class ContactEraseForm(forms.Form):
    """The confirm step of an erasure: nothing is erased without the box ticked."""

    confirm = forms.BooleanField(
        label=_("I understand: this customer's messages, media and identity are deleted for good"), required=True
    )
    reason = forms.CharField(
        label=_("Reason or request reference (optional)"), max_length=500, required=False, strip=True
    )


class RetentionForm(forms.Form):
    days = forms.IntegerField(
        label=_("Keep message texts and media for (days)"),
        min_value=1,
        max_value=36500,
        required=False,
        help_text=_("Older texts and files are deleted every night. Leave empty to keep them."),
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Key name"), max_length=100, help_text=_("Where it will be used, e.g. 'website'."))


class WebhookEndpointForm(forms.Form):
    """An outgoing webhook endpoint; the URL's safety (public addresses only) is checked by the service."""

    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks/crm", "inputmode": "url"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=True
    )
    is_enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
