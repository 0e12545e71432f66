"""A cursor that prepares its statements, for the few the message pipeline runs on every message.

Django binds parameters client-side and prepares nothing (so that connection poolers work), so PostgreSQL
plans every statement again. For most that costs little; for the reply task's read of a message with its
conversation, number, client and contact, planning took 1.5 ms against 0.17 ms to run it, and recording
the reply and settling the send planned for 0.3 and 0.2 ms (`pg_stat_statements`, bench/README). Those
statements, and only those, go through `prepared_cursor`: psycopg prepares them at the protocol level once
per connection and PostgreSQL keeps the generic plan. PgBouncer 1.21+ keeps such statements in transaction
mode (`max_prepared_statements`); `DATABASE_PREPARE_HOT_STATEMENTS=false` turns it off.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections
from psycopg._queries import PostgresQuery, _query2pg_nocache  # pinned psycopg: see _HotQuery


def prepared_cursor(using: str = "default") -> Any:
    """Django's cursor for `using`; on PostgreSQL one that binds server-side and prepares its statements
    (still wrapped by Django: errors, query logging and execute wrappers are as for any query). For the
    compiled reads and the pipeline's few hand-written statements that run on every message, whose
    parameters PostgreSQL can type (a column they are compared with or written to, or a cast)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARE_HOT_STATEMENTS:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = _PreparedCursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


_hot_statement = lru_cache(maxsize=64)(_query2pg_nocache)


class _HotQuery(PostgresQuery):
    """psycopg's query conversion (`%s` → `$1`, a regex over the text), remembered for every statement of the
    prepared cursor. psycopg remembers only texts under 4 KB and 50 parameters, and the reply task's read and
    its record are longer: converting them again on every message was a tenth of the reply task's Python."""

    __slots__ = ()

    def convert(self, query: Any, vars: Any) -> None:
        if vars is None or not isinstance(query, str | bytes):
            super().convert(query, vars)  # no parameters, or a psycopg.sql object: psycopg's own way
        else:
            converted = _hot_statement(self._ensure_bytes(query), self._tx.encoding)
            self.query, self._want_formats, self._order, self._parts = converted
            self.dump(vars)


class _PreparedCursor(psycopg.Cursor):
    """Binds parameters server-side and prepares every statement it runs (psycopg keeps a connection's
    prepared statements, by text and parameter types, and reuses them)."""

    _query_cls = _HotQuery

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None):
        return super().execute(query, params, prepare=True, binary=binary)

    def _send_query_prepared(self, name: bytes, pgq: Any, *, binary: bool | None = None) -> None:
        super()._send_query_prepared(name, pgq, binary=binary)
        self._query = pgq  # psycopg leaves it unset for a prepared run; Django's query log reads it
