"""Knowledge base import and export as CSV on the assistant page: the same format both ways, every bad row a
form error with its row number, nothing written when any row is bad, and each client only its own base."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ai.knowledge_csv import MAX_CSV_BYTES
from ai.models import KnowledgeEntry
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db

IMPORT, EXPORT = "/app/assistant/knowledge/import/", "/app/assistant/knowledge/export/"


def upload(client, content: bytes | str, name: str = "faq.csv", language: str = "en"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(IMPORT, {"file": file}, HTTP_ACCEPT_LANGUAGE=language)


def entries(tenant) -> list[tuple[str, str]]:
    return list(KnowledgeEntry.objects.filter(client=tenant.client).order_by("id").values_list("question", "answer"))


def file_errors(response) -> list[str]:
    return response.context["import_form"].errors["file"]


def test_import_adds_rows_with_a_bom_and_notes_and_updates_known_questions(owner_client, tenant):
    [(known_question, _)] = entries(tenant)
    body = (
        "\ufeffquestion,answer\r\n"
        '"¿Tienen domicilio?","Sí, en todo el barrio, ¡gratis!"\r\n'
        f'"{known_question}","Nuevo horario: 7 a 19."\r\n'
        '"","Nota larga\n\nsegundo párrafo"\r\n'
    )
    response = upload(owner_client, body)
    assert response.status_code == 302
    assert entries(tenant) == [
        (known_question, "Nuevo horario: 7 a 19."),
        ("¿Tienen domicilio?", "Sí, en todo el barrio, ¡gratis!"),
        ("", "Nota larga\n\nsegundo párrafo"),
    ]
    page = owner_client.get("/app/assistant/").content.decode()
    assert "1 new" not in page  # the flash message is shown once, on the redirect's page
    audit = AuditEntry.objects.get(action="knowledge.imported", client_id=tenant.client.pk)
    assert audit.after == {"created": 2, "updated": 1}


def test_spanish_headers_and_windows_line_endings_are_read(owner_client, tenant):
    response = upload(owner_client, "Pregunta;Respuesta\r\n".replace(";", ",") + "¿Parqueadero?,No tenemos.\r\n")
    assert response.status_code == 302
    assert ("¿Parqueadero?", "No tenemos.") in entries(tenant)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("nombre,telefono\r\nAna,300\r\n", "header"),
        ("", "empty"),
        ("question,answer\r\n", "no entries"),
        ("question,answer\r\n¿Horario?,\r\n", "Row 2: the answer is empty"),
        ("question,answer\r\n" + "x" * 501 + ",ok\r\n", "Row 2: the question is longer than 500"),
        ("question,answer\r\n¿Una?,sí\r\n¿Dos?,sí,extra\r\n", "Row 3: more cells"),
        ("question,answer\r\n¿Sí?," + "y" * 4097 + "\r\n", "Row 2: the answer is longer than 4096"),
    ],
)
def test_bad_files_are_form_errors_and_change_nothing(owner_client, tenant, body, expected):
    before = entries(tenant)
    response = upload(owner_client, body)
    assert response.status_code == 400
    assert any(expected in error for error in file_errors(response)), file_errors(response)
    assert entries(tenant) == before
    assert 'id="knowledge-import-form"' in response.content.decode()


def test_one_bad_row_among_good_ones_writes_none_of_them(owner_client, tenant):
    before = entries(tenant)
    body = "question,answer\r\n¿Uno?,Sí\r\n¿Dos?,\r\n¿Tres?,Sí\r\n,\r\n¿Cuatro?,\r\n"
    response = upload(owner_client, body)
    assert response.status_code == 400
    errors = file_errors(response)
    # Blank lines are skipped, not errors; row numbers are the spreadsheet's (header = row 1).
    assert [e.split(":")[0] for e in errors] == ["Row 3", "Row 6"]
    assert entries(tenant) == before


def test_latin1_file_is_refused_with_the_fix(owner_client, tenant):
    before = entries(tenant)
    response = upload(owner_client, "question,answer\r\n¿Año?,Sí señor\r\n".encode("latin-1"))
    assert response.status_code == 400
    assert "UTF-8" in file_errors(response)[0]
    assert entries(tenant) == before


def test_a_file_over_the_size_limit_is_refused(owner_client, tenant):
    before = entries(tenant)
    body = "question,answer\r\n" + ("¿Pregunta?,respuesta\r\n" * (MAX_CSV_BYTES // 20))
    response = upload(owner_client, body)
    assert response.status_code == 400
    assert "MB" in file_errors(response)[0]
    assert entries(tenant) == before


def test_missing_file_is_a_form_error(owner_client):
    response = owner_client.post(IMPORT, {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert file_errors(response)


def test_errors_are_in_spanish_for_a_spanish_user(owner_client):
    response = upload(owner_client, "question,answer\r\n¿Horario?,\r\n", language="es")
    assert response.status_code == 400
    assert any("Fila 2" in error for error in file_errors(response)), file_errors(response)


def test_export_downloads_what_import_reads(owner_client, tenant, other):
    KnowledgeEntry.objects.create(client=tenant.client, question="=HYPERLINK(1)", answer="Línea 1\n\nLínea 2, ñ")
    KnowledgeEntry.objects.create(client=tenant.client, question="", answer="Una nota.")
    KnowledgeEntry.objects.create(client=other.client, question="¿Secreto de Dos?", answer="No lo veas.")
    response = owner_client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["question", "answer"]
    assert "Secreto" not in raw.decode()
    assert ["'=HYPERLINK(1)", "Línea 1\n\nLínea 2, ñ"] in rows  # a spreadsheet never runs it

    # Importing the export into the other client copies the base exactly (the apostrophe is read back).
    owner_client.force_login(other.owner)
    assert upload(owner_client, raw).status_code == 302
    assert set(entries(tenant)) <= set(entries(other))


def test_import_writes_only_the_callers_base(owner_client, tenant, other):
    before = entries(other)
    upload(owner_client, "question,answer\r\n¿Domicilio?,Sí\r\n")
    assert entries(other) == before


def test_a_question_twice_in_the_file_is_one_entry_with_the_later_answer(owner_client, tenant):
    body = 'question,answer\r\n¿Domicilio?,No\r\n¿DOMICILIO?,"Sí, gratis"\r\n,Nota uno\r\n,Nota uno\r\n'
    assert upload(owner_client, body).status_code == 302
    added = entries(tenant)[1:]
    assert added == [("¿Domicilio?", "Sí, gratis"), ("", "Nota uno"), ("", "Nota uno")]
