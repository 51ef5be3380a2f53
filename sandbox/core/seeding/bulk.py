"""Fast inserts for seeding: one `executemany` per batch, values adapted once, ids given.

The ORM's `bulk_create` spends most of its time preparing each value of each object;
for 50,000 orders per store that is minutes. Rows here are plain namespaces whose
attributes are the model's attnames; ids are assigned up front (so lines can point at
their order) and sequences are reset afterwards on databases that have them.
"""

import datetime as dt
import json
import operator
from types import SimpleNamespace

from django.core.management.color import no_style
from django.db import connection, models

BATCH = 5000
# batch_size of the ORM's bulk_create where the seed uses it (rows that need no speed-up)
CREATE_BATCH = 2000


def next_id(model) -> int:
    return (model.objects.aggregate(top=models.Max("id"))["top"] or 0) + 1


def _sqlite_datetime(value):
    # What Django's SQLite backend stores: naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]".
    return None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _adapter(field):
    if isinstance(field, models.DateTimeField):
        return _sqlite_datetime if connection.vendor == "sqlite" else connection.ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value, separators=(",", ":"))
    return None


def insert(model, rows: list[SimpleNamespace], attnames: list[str]) -> None:
    if not rows:
        return
    opts = model._meta
    fields = [opts.get_field(name) for name in attnames]
    quote = connection.ops.quote_name
    # Table and column names come from the model, never from input.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(opts.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    values_of = operator.attrgetter(*attnames)
    adapt = [(index, adapter) for index, f in enumerate(fields) if (adapter := _adapter(f))]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            params = []
            for row in rows[start : start + BATCH]:
                values = list(values_of(row))
                for index, adapter in adapt:
                    values[index] = adapter(values[index])
                params.append(values)
            cursor.executemany(sql, params)


def reset_sequences(*model_classes) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
