"""The Spanish back office reads in Spanish: every section and model of the admin index, third-party apps included
(django-axes, knox tokens: tenants/third_party.py), the sandbox's models and ours."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from knox.models import AuthToken

from sandbox.models import SandboxPhoneNumber
from tests.factories import MessageFactory, UserFactory

pytestmark = pytest.mark.django_db

# Names that are the same word in both languages.
SAME_IN_BOTH = {"crontab", "crontabs"}


@pytest.fixture
def operator(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def index_names(client, language: str) -> dict[str, str]:
    """Every section and model name on the admin index, keyed by app label and model."""
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    names = {}
    with translation.override(language):  # the names are lazy: read them in the page's language
        for app in response.context["app_list"]:
            names[app["app_label"]] = str(app["name"])
            for model in app["models"]:
                names[f"{app['app_label']}.{model['object_name']}"] = str(model["name"])
    assert all(escape(name) in page for name in names.values())  # and the page shows them
    return names


def test_every_section_and_model_of_the_index_is_in_spanish(operator):
    english, spanish = index_names(operator, "en"), index_names(operator, "es")
    assert english.keys() == spanish.keys()
    untranslated = {
        key: name for key, name in spanish.items() if name == english[key] and name.lower() not in SAME_IN_BOTH
    }
    assert untranslated == {}
    assert spanish["axes"] == "Bloqueo de ingreso" and english["axes"] == "Login lockout"
    assert spanish["axes.AccessAttempt"] == "Intentos de acceso"
    assert spanish["knox"] == "Tokens de API"
    assert spanish["knox.AuthToken"] == "Tokens de API personales"
    assert spanish["whatsapp.MessageTemplate"] == "Plantillas de mensaje"


def test_the_sandbox_models_are_named_in_spanish(operator):
    spanish = index_names(operator, "es")
    if "sandbox" in spanish:  # registered when the sandbox is on, as in the tests and `make run`
        assert spanish["sandbox.SandboxFault"] == "Fallas simuladas"
    from django.utils import translation

    with translation.override("es"):
        assert str(SandboxPhoneNumber._meta.verbose_name_plural) == "números del sandbox"


def test_the_token_list_has_spanish_column_names_and_no_migration_follows(operator):
    AuthToken.objects.create(user=UserFactory())
    page = operator.get(reverse("admin:knox_authtoken_changelist"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert ">Creado<" in page and ">Vence<" in page  # knox names its fields nothing; ours are Spanish
    out = StringIO()
    call_command("makemigrations", "knox", "axes", check=True, dry_run=True, stdout=out)  # labels only
    assert "No changes detected" in out.getvalue()


# Labels that are the same word in both languages.
SAME_LABEL_IN_BOTH = {"ID", "token", "PIN", "BSUID", "error", "URL", "endpoint"}


@pytest.mark.parametrize("app_label", ["tenants", "whatsapp", "ai", "billing", "integrations", "audit", "sandbox"])
def test_the_operators_daily_pages_have_spanish_field_labels(app_label):
    """Clients, numbers, members, contacts, conversations, messages, webhook events, the assistant, usage,
    outgoing webhooks, the audit log and the sandbox: every field the back office shows (list columns, change
    forms) has a Spanish label."""
    from django.apps import apps
    from django.contrib import admin

    # The models the back office shows; the sandbox's are registered only while it is on: all of them then.
    models = [m for m in admin.site._registry if m._meta.app_label == app_label]
    models = models or list(apps.get_app_config(app_label).get_models())
    english = {}
    for model in models:
        for field in model._meta.concrete_fields:
            with translation.override("en"):
                en = str(field.verbose_name)
            with translation.override("es"):
                es = str(field.verbose_name)
            if en == es and en not in SAME_LABEL_IN_BOTH:
                english[f"{model.__name__}.{field.name}"] = en
    assert english == {}


def test_the_message_list_reads_in_spanish(operator):
    MessageFactory(text="¿Tienen domicilio?")
    page = operator.get(reverse("admin:whatsapp_message_changelist"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    for column in ("Creado", "Cliente", "Dirección", "Enviado por", "Código de error"):
        assert f">{column}</a>" in page or f"<span>{column}</span>" in page, column


def test_the_template_list_says_metas_category_status_and_quality_in_the_operators_language(operator):
    from whatsapp.models import MessageTemplate

    MessageTemplate.objects.create(
        waba_id="100000000000001", name="aviso_cita", language="es", category="marketing", status="PAUSED",
        quality_score="YELLOW",
    )  # fmt: skip
    url = reverse("admin:whatsapp_messagetemplate_changelist")
    row = operator.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode().split("aviso_cita", 1)[1].split("</tr>")[0]
    assert ">Marketing<" in row and ">Pausada<" in row and ">Media<" in row
    row = operator.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode().split("aviso_cita", 1)[1].split("</tr>")[0]
    assert ">Marketing<" in row and ">Paused<" in row and ">Medium<" in row
    assert operator.get(f"{url}?o=6", HTTP_ACCEPT_LANGUAGE="es").status_code == 200  # sortable by status
