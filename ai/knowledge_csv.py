"""The knowledge base as a CSV file: what the portal exports and imports (one format both ways).

Two columns, `question` and `answer` (Spanish headers `pregunta` and `respuesta` are read too); an empty
question makes the row a free-text note. UTF-8, with or without the byte-order mark spreadsheets write.
A file is read whole and checked before anything is written: every bad row is reported with its row number
(the header is row 1, as a spreadsheet shows it) and then nothing changes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ai.text import WHATSAPP_TEXT_LIMIT
from core.csvsafe import FORMULA_STARTS, csv_cell

CSV_HEADER = ("question", "answer")
HEADER_ALIASES = {"question": "question", "pregunta": "question", "answer": "answer", "respuesta": "answer"}
QUESTION_LIMIT = 500  # KnowledgeEntry.question
NOTE_LIMIT = 20_000  # a free-text note is split into passages for retrieval (ai.passages), so it may be long
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 5000
MAX_REPORTED_ERRORS = 20  # a wholly wrong file would otherwise list thousands of rows


@dataclass(frozen=True)
class CsvRow:
    number: int  # the row in the spreadsheet (header = 1)
    question: str
    answer: str


class KnowledgeCsvError(Exception):
    """The file cannot be imported; `errors` says why, row by row, in the user's language."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def answer_limit(question: str) -> int:
    """A FAQ answer is sent as one WhatsApp message; a note is only read by the assistant."""
    return WHATSAPP_TEXT_LIMIT if question else NOTE_LIMIT


def _unescaped(value: str) -> str:
    """Our export prefixes formula-like cells with an apostrophe (core.csvsafe); reading it back removes it."""
    value = value.strip()
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:].strip()
    return value


def _decoded(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise KnowledgeCsvError([_("The file is larger than %(mb)s MB.") % {"mb": MAX_CSV_BYTES // (1024 * 1024)}])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise KnowledgeCsvError(
            [_("The file is not UTF-8 text. Save it from your spreadsheet as 'CSV UTF-8' and try again.")]
        ) from None
    if not text.strip():
        raise KnowledgeCsvError([_("The file is empty.")])
    if "\x00" in text:
        raise KnowledgeCsvError([_("The file is not a CSV text file.")])
    return text


def _columns(header: list[str]) -> dict[str, int]:
    names = [HEADER_ALIASES.get(name.strip().lower()) for name in header]
    columns = {name: i for i, name in enumerate(names) if name}
    if "answer" not in columns or len([n for n in names if n]) != len(set(n for n in names if n)):
        raise KnowledgeCsvError([_("The first row must be the header: question,answer (or pregunta,respuesta).")])
    return columns


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    position = columns.get(name)
    return _unescaped(cells[position]) if position is not None and position < len(cells) else ""


def _row_errors(number: int, question: str, answer: str) -> list[str]:
    errors = []
    where = {"row": number}
    if not answer:
        errors.append(_("Row %(row)s: the answer is empty.") % where)
    if len(question) > QUESTION_LIMIT:
        errors.append(
            _("Row %(row)s: the question is longer than %(limit)s characters.") % {**where, "limit": QUESTION_LIMIT}
        )
    limit = answer_limit(question)
    if len(answer) > limit:
        errors.append(_("Row %(row)s: the answer is longer than %(limit)s characters.") % {**where, "limit": limit})
    return errors


def knowledge_csv_parse(data: bytes) -> list[CsvRow]:
    """The rows of an uploaded file, all valid, or KnowledgeCsvError listing what is wrong."""
    reader = csv.reader(io.StringIO(_decoded(data), newline=""))
    try:
        header = next(reader)
        columns = _columns(header)
        rows, errors = [], []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines between entries
            if len(cells) > len(header):
                errors.append(_("Row %(row)s: more cells than the header has columns.") % {"row": number})
                continue
            question, answer = _cell(cells, columns, "question"), _cell(cells, columns, "answer")
            found = _row_errors(number, question, answer)
            errors += found
            if not found:
                rows.append(CsvRow(number=number, question=question, answer=answer))
            if len(rows) + len(errors) > MAX_CSV_ROWS:
                raise KnowledgeCsvError([_("The file has more than %(rows)s rows.") % {"rows": MAX_CSV_ROWS}])
    except StopIteration:
        raise KnowledgeCsvError([_("The file is empty.")]) from None
    except csv.Error as error:
        raise KnowledgeCsvError([_("The file is not valid CSV: %(error)s") % {"error": error}]) from None
    if errors:
        if len(errors) > MAX_REPORTED_ERRORS:
            more = len(errors) - MAX_REPORTED_ERRORS
            errors = [*errors[:MAX_REPORTED_ERRORS], _("…and %(count)s more errors.") % {"count": more}]
        raise KnowledgeCsvError(errors)
    if not rows:
        raise KnowledgeCsvError([_("The file has a header but no entries.")])
    return rows


def knowledge_csv_text(entries: Iterable[tuple[str, str]]) -> str:
    """The CSV of (question, answer) pairs, starting with the byte-order mark so spreadsheets read UTF-8."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for question, answer in entries:
        writer.writerow([csv_cell(question), csv_cell(answer)])
    return "\ufeff" + out.getvalue()
