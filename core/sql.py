"""Rows of a model as parts of a hand-written statement, for the few hot paths that need one round trip.

The pipeline's PostgreSQL statements insert rows inside CTEs (INSERT … SELECT … FROM gate). Listing a model's
columns by hand there would drift from the model; these helpers take the columns, defaults and database
conversions from the model itself, as `Model.objects.create` would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from django.db import connection
from django.db.models import Field, Model

from core.prepared import prepared_cursor

# A model's columns and their database types do not change while a process runs: each list is worked out
# once (per model, and per database vendor where types enter), not on every statement of the hot path.


@cache
def insert_fields(model: type[Model]) -> tuple[Field, ...]:
    """The fields an INSERT of `model` writes (every concrete field but an auto primary key)."""
    return tuple(f for f in model._meta.concrete_fields if not (f.primary_key and f.auto_created))


@cache
def insert_columns(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.column for f in insert_fields(model))


def insert_params(obj: Model, given: Mapping[str, object] | None = None) -> list[object]:
    """The values of an unsaved `obj` for `insert_columns`, with defaults and auto_now(_add) filled in;
    `given` holds ready database values for some fields (by name), used as they are."""
    given = given or {}
    return [
        given[f.name] if f.name in given else f.get_db_prep_save(f.pre_save(obj, add=True), connection)
        for f in insert_fields(type(obj))
    ]


@cache
def select_list(model: type[Model]) -> str:
    """`%s, %s, …` for one row of `insert_columns(model)`."""
    return ", ".join(["%s"] * len(insert_columns(model)))


def typed_columns(model: type[Model], alias: str, *, replace: dict[str, str] | None = None) -> str:
    """`alias.col::type, …` for `insert_columns(model)`: a VALUES list's columns cast to the table's types
    (a column of NULLs would otherwise be text). `replace` gives other expressions for some columns."""
    return _typed_columns(model, alias, tuple(sorted((replace or {}).items())), connection.vendor)


@cache
def _typed_columns(model: type[Model], alias: str, replace: tuple[tuple[str, str], ...], vendor: str) -> str:
    replaced = dict(replace)
    return ", ".join(
        replaced.get(f.column) or f"{alias}.{f.column}::{f.db_type(connection)}" for f in insert_fields(model)
    )


@cache
def _typed_placeholders(model: type[Model], vendor: str) -> str:
    return ", ".join(f"%s::{f.db_type(connection)} AS {f.column}" for f in insert_fields(model))


def typed_placeholders(model: type[Model]) -> str:
    """`%s::type AS col, …` for `insert_columns(model)`: one row of parameters, typed and named."""
    return _typed_placeholders(model, connection.vendor)


def unnest_rows(model: type[Model], alias: str, *, extra: tuple[tuple[str, str], ...] = ()) -> str:
    """`unnest(%s::type[], …) WITH ORDINALITY AS alias (col, …, order_)`: many rows of `model` (its
    `insert_columns`, then `extra` (name, database type) pairs) as one FROM item, one array parameter per column
    (`column_arrays`), numbered from 1 in `order_`.

    A VALUES list has a placeholder per row and column, so its text changes with the number of rows: psycopg
    then converted the statement again on every batch (a regex over texts of tens of kilobytes, an eighth of
    the worker's applying) and PostgreSQL planned it again. This text depends only on the model, so it is
    converted once and can be prepared (core.prepared)."""
    return _unnest_rows(model, alias, extra, connection.vendor)


@cache
def _unnest_rows(model: type[Model], alias: str, extra: tuple[tuple[str, str], ...], vendor: str) -> str:
    columns = [(f.column, f.db_type(connection)) for f in insert_fields(model)] + list(extra)
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in columns)
    names = ", ".join(name for name, _ in columns)
    return f"unnest({arrays}) WITH ORDINALITY AS {alias} ({names}, order_)"


def column_arrays(rows: Iterable[Sequence[object]]) -> list[list[object]]:
    """Rows of parameters turned into one list per column (the arrays of `unnest_rows`)."""
    return [list(column) for column in zip(*rows, strict=True)]


def insert_returning_id(obj: Model, *, given: Mapping[str, object] | None = None) -> Model:
    """INSERT one unsaved `obj` and set its id: what `objects.create` does for a model without save() logic or
    signal receivers, without the ORM's per-call work (for a request whose only job is this one write).
    Prepared on PostgreSQL (core.prepared): the webhook's INSERT runs four times for every answered message.
    `given`: ready database values for some fields (see insert_params)."""
    model = type(obj)
    with prepared_cursor() as cursor:
        cursor.execute(_insert_sql(model), insert_params(obj, given))
        obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, connection.alias
    return obj


@cache
def _insert_sql(model: type[Model]) -> str:
    table, columns, key = model._meta.db_table, ", ".join(insert_columns(model)), model._meta.pk.column
    return f"INSERT INTO {table} ({columns}) VALUES ({select_list(model)}) RETURNING {key}"


def update_rows(model: type[Model], changes: Mapping[object, Mapping[str, object]]) -> int:
    """UPDATE many rows by primary key, each with values of its own, in one statement; returns the rows matched.

    `changes` maps a primary key to {field name: new value}; a row's other columns keep their value. Django's
    `bulk_update` builds a CASE WHEN per row and column, whose Python cost grows with the batch (it was most
    of the time a worker spent applying Meta's status webhooks). On PostgreSQL the values travel as one array
    per column through `unnest`, so the statement's text depends only on the columns (and psycopg reuses its
    parse); a column a row does not change is skipped through a flag array. Other databases run one
    `executemany` per set of columns.
    """
    rows = {pk: values for pk, values in changes.items() if values}
    if not rows:
        return 0
    names = tuple(sorted({name for values in rows.values() for name in values}))
    fields = [model._meta.get_field(name) for name in names]
    pk_field = model._meta.pk
    if connection.vendor == "postgresql":
        partial = any(len(values) != len(names) for values in rows.values())
        params: list[object] = [[pk_field.get_db_prep_value(pk, connection) for pk in rows]]
        for name, f in zip(names, fields, strict=True):
            params.append([_prep(f, values[name]) if name in values else None for values in rows.values()])
            if partial:
                params.append([name in values for values in rows.values()])
        with prepared_cursor() as cursor:  # the text depends on the columns only: prepared, planned once
            cursor.execute(_update_sql(model, names, partial, connection.vendor), params)
            return cursor.rowcount
    matched = 0
    shapes: dict[tuple[str, ...], list[list[object]]] = {}
    for pk, values in rows.items():
        shape = tuple(sorted(values))
        shapes.setdefault(shape, []).append([_prep(model._meta.get_field(name), values[name]) for name in shape] + [pk])
    table, key = model._meta.db_table, pk_field.column
    with connection.cursor() as cursor:
        for shape, params_list in shapes.items():
            columns = ", ".join(f"{model._meta.get_field(name).column} = %s" for name in shape)
            cursor.executemany(f"UPDATE {table} SET {columns} WHERE {key} = %s", params_list)
            matched += max(cursor.rowcount, 0)
    return matched


def _prep(f: Field, value: object) -> object:
    return f.get_db_prep_save(value, connection)


@cache
def _update_sql(model: type[Model], names: tuple[str, ...], partial: bool, vendor: str) -> str:
    table, key = model._meta.db_table, model._meta.pk
    arrays = [f"%s::{key.db_type(connection)}[]"]
    aliases = ["id_"]
    assignments = []
    for name in names:
        f = model._meta.get_field(name)
        arrays.append(f"%s::{f.db_type(connection)}[]")
        aliases.append(f.column)
        new = f"v.{f.column}"
        if partial:
            arrays.append("%s::boolean[]")
            aliases.append(f"{f.column}__set")
            new = f"CASE WHEN v.{f.column}__set THEN v.{f.column} ELSE t.{f.column} END"
        assignments.append(f"{f.column} = {new}")
    return (
        f"UPDATE {table} AS t SET {', '.join(assignments)} "
        f"FROM unnest({', '.join(arrays)}) AS v ({', '.join(aliases)}) WHERE t.{key.column} = v.id_"
    )
