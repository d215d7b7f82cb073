"""The spatial index on annotation bounding boxes, one per database backend.

SQLite: an R*Tree virtual table ``annotations_annotation_rtree`` (image, x, y ranges) kept in
step with ``annotations_annotation`` by triggers, so raw SQL and ``bulk_create`` cannot bypass it.
Caution: when a later migration makes Django *remake* ``annotations_annotation`` on SQLite
(most ALTERs), SQLite drops these triggers with the old table; such a migration must run
``SQLITE_TRIGGERS`` again. ``tests/test_viewport.py`` fails if the triggers are missing.

PostgreSQL: a GiST index on ``box(point(x_min, y_min), point(x_max, y_max))``, the built-in
``box`` type, no extension needed; led by ``image_id`` when ``btree_gist`` can be installed.
Other backends get no index; the selector falls back to plain column comparisons.
"""

from typing import Any

from django.db import DatabaseError, migrations, transaction

RTREE = "annotations_annotation_rtree"
SQLITE_TABLE = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS {RTREE} USING rtree(
    id, image_min, image_max, x_min, x_max, y_min, y_max
)
"""
# The image is a dimension of the tree so that one image's viewport does not wade through the
# others. It gets a width of half a unit: with zero width every volume the R*-tree algorithm
# compares is zero, its choices become arbitrary and queries 200x slower (measured: 22 ms
# against 0.1 ms for 300k boxes).
# Only rows with a complete bbox enter the tree; the R*Tree rejects min > max, which the
# service layer never writes.
_HAS_BBOX = "{row}.x_min IS NOT NULL AND {row}.x_max IS NOT NULL AND {row}.y_min IS NOT NULL AND {row}.y_max IS NOT NULL"
_INSERT_NEW = f"""INSERT INTO {RTREE} (id, image_min, image_max, x_min, x_max, y_min, y_max)
        SELECT new.id, new.image_id - 0.25, new.image_id + 0.25, new.x_min, new.x_max, new.y_min, new.y_max
        WHERE {_HAS_BBOX.format(row="new")};"""
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {RTREE}_insert AFTER INSERT ON annotations_annotation
    BEGIN {_INSERT_NEW} END""",
    f"""CREATE TRIGGER IF NOT EXISTS {RTREE}_update
    AFTER UPDATE OF id, image_id, x_min, x_max, y_min, y_max ON annotations_annotation
    BEGIN DELETE FROM {RTREE} WHERE id = old.id; {_INSERT_NEW} END""",
    f"""CREATE TRIGGER IF NOT EXISTS {RTREE}_delete AFTER DELETE ON annotations_annotation
    BEGIN DELETE FROM {RTREE} WHERE id = old.id; END""",
]
SQLITE_FILL = f"""INSERT INTO {RTREE} (id, image_min, image_max, x_min, x_max, y_min, y_max)
SELECT id, image_id - 0.25, image_id + 0.25, x_min, x_max, y_min, y_max FROM annotations_annotation
WHERE {_HAS_BBOX.format(row="annotations_annotation")}"""

PG_INDEX = "annotations_annotation_bbox_gist"
PG_BOX = "box(point(x_min, y_min), point(x_max, y_max))"


def _btree_gist_available(schema_editor: Any) -> bool:
    """Install btree_gist if the server has it and we may; never fail the migration over it."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist'")
        if cursor.fetchone() is None:
            return False
    try:
        # A savepoint, so a refused CREATE EXTENSION does not abort the migration's transaction.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    except DatabaseError:
        return False
    return True


def create_index(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_TABLE)
        for trigger in SQLITE_TRIGGERS:
            schema_editor.execute(trigger)
        schema_editor.execute(SQLITE_FILL)
    elif vendor == "postgresql":
        columns = f"image_id, ({PG_BOX})" if _btree_gist_available(schema_editor) else f"({PG_BOX})"
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON annotations_annotation USING gist ({columns})"
        )


def drop_index(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for suffix in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {RTREE}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {RTREE}")
    elif vendor == "postgresql":
        # btree_gist stays: other indexes may use it, and it costs nothing.
        schema_editor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0002_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
