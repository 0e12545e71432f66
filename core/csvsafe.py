"""CSV cells that a spreadsheet never runs: text starting like a formula is prefixed with an apostrophe.

Names in our CSVs are chosen by clients (business names) or customers; a cell such as `=HYPERLINK(...)`
would run when the operator opens the file (OWASP "CSV injection"). Numbers are left as they are.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")  # an E.164 phone or an amount: a spreadsheet only shows it


def csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: csv_cell(value) for key, value in row.items()}
