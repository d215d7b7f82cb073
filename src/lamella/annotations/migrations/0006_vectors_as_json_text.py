"""Vectors and meta data as PostgreSQL ``json`` (text kept as written) instead of ``jsonb``.

The model field (``StoredJSONField``) decides the column type; the migration state does not
see it, so this migration changes the columns of existing databases. Other backends: nothing.
"""

from typing import Any

from django.db import migrations

COLUMNS = [
    ("annotations_annotation", "vector"),
    ("annotations_annotation", "meta_data"),
    ("annotations_annotationhistory", "vector"),
    ("annotations_annotationhistory", "meta_data"),
]


def _retype(kind: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column in COLUMNS:
            schema_editor.execute(
                f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE {kind} USING "{column}"::{kind}'
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("annotations", "0005_fewer_indexes_no_json_checks")]

    operations = [migrations.RunPython(_retype("json"), _retype("jsonb"))]
