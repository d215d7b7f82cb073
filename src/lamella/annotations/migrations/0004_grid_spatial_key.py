"""The spatial index becomes a B-tree on a generated cell key (lamella.annotations.spatial).

The R*Tree (SQLite) and GiST index (PostgreSQL) of 0003 go first, so that SQLite's remaking of
the table for the new column has no triggers to lose; going back, 0003's index is built again
last, from the table as it then is. Fewer indexes and foreign-key constraints on the
annotation and history tables: see the comment on ``Annotation``.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import lamella.annotations.spatial

_first = importlib.import_module("lamella.annotations.migrations.0003_spatial_index")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0003_spatial_index"),
        ("images", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_first.drop_index, _first.create_index),
        migrations.RemoveIndex(
            model_name="annotation",
            name="annotations_image_i_9eb671_idx",
        ),
        migrations.AddField(
            model_name="annotation",
            name="cell",
            field=models.GeneratedField(
                db_persist=True,
                expression=lamella.annotations.spatial.CellKey(
                    models.F("x_min"), models.F("y_min"), models.F("x_max"), models.F("y_max")
                ),
                output_field=models.BigIntegerField(),
            ),
        ),
        migrations.AlterField(
            model_name="annotation",
            name="annotation_type",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                to="annotations.annotationtype",
            ),
        ),
        migrations.AlterField(
            model_name="annotation",
            name="last_editor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="last_editor",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="annotation",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="creator",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="annotationhistory",
            name="annotation",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="annotations.annotation",
            ),
        ),
        migrations.AlterField(
            model_name="annotationhistory",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="annotation",
            index=models.Index(fields=["image", "id"], name="annotation_image_id"),
        ),
        migrations.AddIndex(
            model_name="annotation",
            index=models.Index(fields=["image", "cell"], name="annotation_image_cell"),
        ),
    ]
