"""Forms of the onboarding pages; the rules themselves live in services and `onboarding.numbers`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ai.greetings import is_click_to_chat_text
from onboarding.meta_errors import OnboardingError
from onboarding.numbers import parse_phone_number


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Email"), max_length=254)
    business_name = forms.CharField(label=_("Business name"), max_length=200)
    password = forms.CharField(
        label=_("Password (optional)"),
        max_length=128,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("You can also set it at the end."),
    )


class ChooseNumberForm(forms.Form):
    """Which number of the client's WABA goes live (rendered as radio buttons; checked against Meta's list)."""

    phone_number_id = forms.CharField(
        label=_("Number"), max_length=64, error_messages={"required": _("Pick one of the numbers.")}
    )


class HostedNumberForm(forms.Form):
    phone_number = forms.CharField(
        label=_("Your WhatsApp number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "+57 300 123 4567"}),
    )
    display_name = forms.CharField(
        label=_("Name customers will see"),
        max_length=200,
        required=False,
        help_text=_("Usually your business name."),
    )

    def clean_phone_number(self) -> str:
        try:
            return parse_phone_number(self.cleaned_data["phone_number"])[0]
        except OnboardingError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class VerifyCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("6-digit code"),
        regex=r"^\s*\d{3}\s?-?\d{3}\s*$",
        error_messages={"invalid": _("The code has 6 digits. Type only the numbers you received.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "7", "placeholder": "123456"}
        ),
    )


class BusinessForm(forms.Form):
    business_description = forms.CharField(
        label=_("What does your business do and sell?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Products, prices, delivery, anything customers often ask."),
    )
    click_to_chat_text = forms.CharField(
        label=_("Message your customers send you from the QR code"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Their phone types it for them when they scan your QR code or open your link; they only press send."
        ),
    )
    greeting = forms.CharField(
        label=_("Your assistant's welcome"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "What the assistant answers when a customer says hello or sends the message above. Empty uses ours."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if is_click_to_chat_text(cleaned.get("greeting", ""), cleaned.get("click_to_chat_text", "")):
            self.add_error(
                "greeting",
                _("The welcome is what your assistant says; write it differently from your customers' message."),
            )
        return cleaned

    business_hours = forms.CharField(label=_("Opening hours"), max_length=1000, required=False)


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
