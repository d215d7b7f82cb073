"""Image sets, images and their frames, with EXACT's names, enums and defaults."""

from django.conf import settings
from django.db import models


class ImageSet(models.Model):
    class Priority(models.IntegerChoices):
        HIGH = 1, "High"
        NORMAL = 0, "Normal"
        LOW = -1, "Low"

    class ZipState(models.IntegerChoices):
        INVALID = 0, "invalid"
        READY = 1, "ready"
        PROCESSING = 2, "processing"

    class CollaborationType(models.IntegerChoices):
        COLLABORATIVE = 0, "Collaborative"
        COMPETITIVE = 1, "Competitive"
        SECOND_OPINION = 2, "Second opinion"

    path = models.CharField(max_length=256, unique=True, null=True, blank=True)
    name = models.CharField(max_length=256)
    location = models.CharField(max_length=256, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    time = models.DateTimeField(auto_now_add=True)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, related_name="image_sets"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    public = models.BooleanField(default=False)
    public_collaboration = models.BooleanField(default=False)
    image_lock = models.BooleanField(default=False)
    priority = models.IntegerField(choices=Priority.choices, default=Priority.NORMAL)
    main_annotation_type = models.ForeignKey(
        "annotations.AnnotationType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pinned_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="pinned_sets", blank=True
    )
    zip_state = models.IntegerField(choices=ZipState.choices, default=ZipState.INVALID)
    collaboration_type = models.IntegerField(
        choices=CollaborationType.choices, default=CollaborationType.COLLABORATIVE
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "team"], name="unique_imageset_name_per_team")
        ]

    def __str__(self) -> str:
        return self.name


class SetTag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    imagesets = models.ManyToManyField(ImageSet, related_name="set_tags", blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SetVersion(models.Model):
    name = models.CharField(max_length=100, unique=True)
    imagesets = models.ManyToManyField(ImageSet, related_name="set_versions", blank=True)
    time = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="versions/", null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Image(models.Model):
    class ImageType(models.IntegerChoices):
        DEFAULT = 0, "Default"
        SERVER_GENERATED = 1, "Server generated"
        FILE_LINK = 2, "File link"

    class IngestState(models.TextChoices):
        QUEUED = "queued", "Queued"
        CONVERTING = "converting", "Converting"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    image_set = models.ForeignKey(ImageSet, on_delete=models.CASCADE, related_name="images")
    name = models.CharField(max_length=256)
    filename = models.CharField(max_length=256)
    time = models.DateTimeField(auto_now_add=True)
    checksum = models.BinaryField(default=b"")
    mpp = models.FloatField(default=0)
    objectivePower = models.FloatField(default=1)
    width = models.IntegerField(default=800)
    height = models.IntegerField(default=600)
    depth = models.IntegerField(default=1)
    frames = models.IntegerField(default=1)
    channels = models.IntegerField(default=3)
    defaultFrame = models.IntegerField(default=0)
    image_type = models.IntegerField(choices=ImageType.choices, default=ImageType.DEFAULT)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    ingest_state = models.CharField(
        max_length=16, choices=IngestState.choices, default=IngestState.READY
    )
    ingest_progress = models.IntegerField(default=100)
    ingest_error = models.TextField(blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["image_set", "name"])]

    def __str__(self) -> str:
        return self.name


class FrameDescription(models.Model):
    class FrameType(models.IntegerChoices):
        ZSTACK = 0, "z-stack"
        TIMESERIES = 1, "time series"
        UNDEFINED = 255, "undefined"

    frame_type = models.IntegerField(choices=FrameType.choices, default=FrameType.UNDEFINED)
    description = models.CharField(max_length=160, blank=True, default="")
    file_path = models.CharField(max_length=320, blank=True, default="")
    frame_id = models.IntegerField(default=0)
    Image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="FrameDescriptions")

    class Meta:
        ordering = ["frame_id"]

    def __str__(self) -> str:
        return f"frame {self.frame_id}: {self.description}"


class AuxiliaryFile(models.Model):
    name = models.CharField(max_length=256)
    filesize = models.BigIntegerField(default=0)
    location = models.CharField(max_length=512)
    description = models.TextField(blank=True, default="")
    associated_to_image = models.ForeignKey(
        Image, on_delete=models.SET_NULL, null=True, blank=True, related_name="auxiliary_files"
    )
    time = models.DateTimeField(auto_now_add=True)
    image_set = models.ForeignKey(
        ImageSet, on_delete=models.CASCADE, related_name="auxiliary_files"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    def __str__(self) -> str:
        return self.name


class ScreeningMode(models.Model):
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="screening")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    screening_tiles = models.JSONField(default=dict)
    x_steps = models.IntegerField(default=0)
    y_steps = models.IntegerField(default=0)
    x_resolution = models.IntegerField(default=0)
    y_resolution = models.IntegerField(default=0)
    current_index = models.IntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["image", "user"], name="unique_screening_per_user")
        ]

    def __str__(self) -> str:
        return f"screening of {self.image_id} by {self.user_id}"


class LogImageAction(models.Model):
    class Action(models.IntegerChoices):
        OPEN = 1, "open"
        CLOSED = 2, "closed"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="log_actions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    time = models.DateTimeField(auto_now_add=True)
    action = models.IntegerField(choices=Action.choices, default=Action.OPEN)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.image_id} by {self.user_id}"
