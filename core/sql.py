"""Rows of a model as parts of a hand-written statement, for the few hot paths that need one round trip.

The pipeline's PostgreSQL statements insert rows inside CTEs (INSERT … SELECT … FROM gate). Listing a model's
columns by hand there would drift from the model; these helpers take the columns, defaults and database
conversions from the model itself, as `Model.objects.create` would.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Field, Model


def insert_fields(model: type[Model]) -> list[Field]:
    """The fields an INSERT of `model` writes (every concrete field but an auto primary key)."""
    return [f for f in model._meta.concrete_fields if not (f.primary_key and f.auto_created)]


def insert_columns(model: type[Model]) -> list[str]:
    return [f.column for f in insert_fields(model)]


def insert_params(obj: Model) -> list[object]:
    """The values of an unsaved `obj` for `insert_columns`, with defaults and auto_now(_add) filled in."""
    return [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in insert_fields(type(obj))]


def select_list(model: type[Model]) -> str:
    """`%s, %s, …` for one row of `insert_columns(model)`."""
    return ", ".join(["%s"] * len(insert_columns(model)))


def typed_columns(model: type[Model], alias: str, *, replace: dict[str, str] | None = None) -> str:
    """`alias.col::type, …` for `insert_columns(model)`: a VALUES list's columns cast to the table's types
    (a column of NULLs would otherwise be text). `replace` gives other expressions for some columns."""
    replace = replace or {}
    return ", ".join(
        replace.get(f.column) or f"{alias}.{f.column}::{f.db_type(connection)}" for f in insert_fields(model)
    )
