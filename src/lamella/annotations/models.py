"""Products, annotation types, annotations and what hangs off them (EXACT's names and enums).

The bbox columns and ``frame`` of an annotation are derived from its ``vector`` by the service
layer (``lamella.annotations.services``); never write them by hand.
"""

import json
import uuid
from typing import Any

try:  # optional: decodes JSON several times faster than json.loads
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None  # type: ignore[assignment]

from django.conf import settings
from django.db import models
from django.db.models import F

from lamella.annotations.spatial import CellKey


class StoredJSONField(models.JSONField):
    """JSON that Lamella writes and hands back as text, stored as is: PostgreSQL's ``json``
    (not ``jsonb``) and SQLite's text without the ``JSON_VALID`` check.

    Nothing queries inside vectors, while every write parsed them into jsonb and every read
    printed them back (a third of a 400-annotation viewport's server time); SQLite's check
    parsed each bulk-inserted vector twice (annotation and history), ~2 us of a 20 us row.
    json keeps the text it was given (key order too), still validated by PostgreSQL.
    """

    def db_type(self, connection: Any) -> str | None:
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def db_check(self, connection: Any) -> str | None:
        return None

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        return json.dumps(value, cls=self.encoder)  # text: the column parses it

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not isinstance(value, str):
            return value  # None, or already decoded: psycopg decodes json columns itself
        if orjson is not None:
            try:
                return orjson.loads(value)  # ~4x json.loads: 400 vectors of a viewport
            except orjson.JSONDecodeError:
                pass  # not strict JSON (NaN): json.loads decides
        return super().from_db_value(value, expression, connection)


class Product(models.Model):
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    time = models.DateTimeField(auto_now_add=True)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, related_name="product_set"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    imagesets = models.ManyToManyField("images.ImageSet", related_name="product_set", blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "team"], name="unique_product_name_per_team")
        ]

    def __str__(self) -> str:
        return self.name


class AnnotationType(models.Model):
    class VectorType(models.IntegerChoices):
        BOUNDING_BOX = 1, "Bounding box"
        POINT = 2, "Point"
        LINE = 3, "Line"
        MULTI_LINE = 4, "Multi line"
        POLYGON = 5, "Polygon"
        FIXED_SIZE_BOUNDING_BOX = 6, "Fixed size bounding box"
        GLOBAL = 7, "Global"
        SEGMENTATION = 8, "Segmentation"

    name = models.CharField(max_length=50)
    active = models.BooleanField(default=True)
    vector_type = models.IntegerField(choices=VectorType.choices, default=VectorType.BOUNDING_BOX)
    node_count = models.IntegerField(default=0)
    enable_concealed = models.BooleanField(default=True)
    enable_blurred = models.BooleanField(default=True)
    color_code = models.CharField(max_length=7, default="#CC4444")
    default_width = models.IntegerField(default=50)
    default_height = models.IntegerField(default=50)
    sort_order = models.IntegerField(default=0)
    multi_frame = models.BooleanField(default=False)
    image_file = models.ImageField(upload_to="annotation_types/", null=True, blank=True)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True)
    closed = models.BooleanField(default=True)
    area_hit_test = models.BooleanField(default=True)
    keyboard_shortcut = models.CharField(max_length=1, blank=True, default="")

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "product"], name="unique_type_name_per_product")
        ]

    def __str__(self) -> str:
        return self.name


class Annotation(models.Model):
    # Every index costs each of a million-row import a B-tree insert (2-3 us on SQLite, more on
    # PostgreSQL), so there are four: (image, unique_identifier), (image, id) for listing and
    # streaming, (image, last_edit_time) for sync, (image, cell) for viewports. No foreign key
    # has a database constraint (the image's was a deferred trigger per inserted row on
    # PostgreSQL, ~5 us each; Django applies on_delete itself, and writes go through services
    # that check the image and type), and the type and creator have no index: deleting a type
    # or a user, rare, scans the table once (docs/performance.md "Viewport queries").
    image = models.ForeignKey(
        "images.Image",
        on_delete=models.CASCADE,
        related_name="annotations",
        db_index=False,
        db_constraint=False,
    )
    vector = StoredJSONField(null=True, blank=True)
    _concealed = models.BooleanField(default=False, db_column="_concealed")
    _blurred = models.BooleanField(default=False, db_column="_blurred")
    time = models.DateTimeField()
    annotation_type = models.ForeignKey(
        AnnotationType, on_delete=models.PROTECT, db_constraint=False, db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="creator",
        db_constraint=False,
        db_index=False,
    )
    last_edit_time = models.DateTimeField()
    last_editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="last_editor",
        db_constraint=False,
        db_index=False,
    )
    verified_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Verification", related_name="verified_annotations"
    )
    deleted = models.BooleanField(default=False)
    description = models.CharField(max_length=1000, blank=True, default="")
    unique_identifier = models.UUIDField(default=uuid.uuid4)
    meta_data = StoredJSONField(null=True, blank=True)
    generated = models.BooleanField(default=False)
    score = models.FloatField(null=True, blank=True)
    # Derived from ``vector`` by the service layer; null when the annotation has no geometry.
    frame = models.IntegerField(default=1)
    x_min = models.FloatField(null=True, blank=True)
    y_min = models.FloatField(null=True, blank=True)
    x_max = models.FloatField(null=True, blank=True)
    y_max = models.FloatField(null=True, blank=True)
    # The spatial key of the bbox (lamella.annotations.spatial), computed by the database.
    cell = models.GeneratedField(
        expression=CellKey(F("x_min"), F("y_min"), F("x_max"), F("y_max")),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "unique_identifier"], name="unique_annotation_uuid_per_image"
            )
        ]
        indexes = [
            models.Index(fields=["image", "id"], name="annotation_image_id"),
            models.Index(fields=["image", "cell"], name="annotation_image_cell"),
            models.Index(fields=["image", "last_edit_time"]),
        ]

    def __str__(self) -> str:
        return f"{self.annotation_type_id} on {self.image_id} ({self.unique_identifier})"

    @property
    def concealed(self) -> bool:
        return self._concealed

    @property
    def blurred(self) -> bool:
        return self._blurred


class Verification(models.Model):
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="verifications"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    time = models.DateTimeField(auto_now_add=True)
    verified = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["annotation", "user"], name="unique_verification")
        ]

    def __str__(self) -> str:
        return f"{'accept' if self.verified else 'reject'} {self.annotation_id} by {self.user_id}"


class AnnotationVersion(models.Model):
    """A snapshot of one annotation in one SetVersion."""

    version = models.ForeignKey("images.SetVersion", on_delete=models.CASCADE)
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE)
    image = models.ForeignKey("images.Image", on_delete=models.CASCADE)
    annotation_type = models.ForeignKey(AnnotationType, on_delete=models.CASCADE)
    deleted = models.BooleanField(default=False)
    vector = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "annotation"], name="unique_version_entry")
        ]

    def __str__(self) -> str:
        return f"{self.annotation_id} in version {self.version_id}"

    @property
    def has_changes(self) -> bool:
        current = self.annotation
        return (
            current.vector != self.vector
            or current.deleted != self.deleted
            or current.annotation_type_id != self.annotation_type_id
        )


class AnnotationHistory(models.Model):
    """Append-only record of every write to an annotation; rows are never updated."""

    class Action(models.TextChoices):
        CREATE = "create", "create"
        UPDATE = "update", "update"
        DELETE = "delete", "delete"
        RESTORE = "restore", "restore"

    # Indexed by (annotation, id) alone; the user without a database constraint, as on
    # Annotation (a trigger per row of every bulk insert).
    annotation = models.ForeignKey(
        Annotation,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="history",
    )
    image_id_snapshot = models.BigIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
    )
    time = models.DateTimeField()
    annotation_type_id_snapshot = models.BigIntegerField()
    vector = StoredJSONField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    description = models.CharField(max_length=1000, blank=True, default="")
    meta_data = StoredJSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["annotation", "id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.annotation_id} at {self.time}"


class AnnotationMediaFile(models.Model):
    class MediaFileType(models.IntegerChoices):
        UNDEFINED = 1, "Undefined"
        IMAGE = 2, "Image"
        VIDEO = 3, "Video"
        AUDIO = 4, "Audio"

    name = models.CharField(max_length=256)
    file = models.FileField(upload_to="annotation/%Y/%m/%d/%H/")
    media_file_type = models.IntegerField(
        choices=MediaFileType.choices, default=MediaFileType.UNDEFINED
    )
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="uploaded_media_files"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "annotation"], name="unique_media_name")
        ]

    def __str__(self) -> str:
        return self.name


class ExportFormat(models.Model):
    name = models.CharField(max_length=20, unique=True)
    description = models.TextField(blank=True, default="")
    public = models.BooleanField(default=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, blank=True)
    annotations_types = models.ManyToManyField(AnnotationType, blank=True)
    min_verifications = models.IntegerField(default=0)
    image_aggregation = models.BooleanField(default=False)
    include_blurred = models.BooleanField(default=False)
    include_concealed = models.BooleanField(default=False)
    base_format = models.TextField(default="%%content")
    image_format = models.TextField(blank=True, default="")
    annotation_format = models.TextField(default="%%imagename|%%type|{%%vector}|")
    vector_format = models.TextField(default='"x%%count1": %%x,"y%%count1": %%y,')
    not_in_image_format = models.TextField(default="image name|annotation type|not in image")
    name_format = models.CharField(max_length=200, default="export_%%exportid.txt")
    last_change_time = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Export(models.Model):
    time = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    image_set = models.ForeignKey("images.ImageSet", on_delete=models.CASCADE)
    annotation_count = models.IntegerField(default=0)
    export_text = models.TextField(blank=True, default="")
    filename = models.CharField(max_length=200, blank=True, default="")
    format = models.ForeignKey(ExportFormat, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename or f"export {self.pk}"
