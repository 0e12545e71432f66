"""`field__any_of=[…]`: membership in a list passed as one parameter, for compiled reads (core.compiled).

`field__in=[…]` writes a placeholder per value, so its SQL changes with the list's length and cannot be
compiled once or prepared. `any_of` sends the whole list as one parameter: an array on PostgreSQL
(`col = ANY(%s::type[])`), JSON text on SQLite (`col IN (SELECT value FROM json_each(%s))`). For values the
database takes as they are (ids, text); a field whose database value differs from Python's (UUIDs on SQLite)
keeps `__in`. Registered when the core app is ready (core.apps), for every field.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Field, ForeignObject, Lookup


@Field.register_lookup
@ForeignObject.register_lookup  # a relation's lookups are its own, not Field's: `client_id__any_of` too
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False  # the list stays a list: each value is the field's own, not prepared one by one

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            kind = self.lhs.output_field.db_type(connection)
            return f"{lhs} = ANY(%s::{kind}[])", [*lhs_params, values]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(values)]
