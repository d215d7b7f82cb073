"""Background jobs as users see them, and EXACT's plugin models."""

from django.conf import settings
from django.db import models


class Job(models.Model):
    """One piece of background work: its progress, log and outcome, for pages and the API."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.IntegerField(default=0)
    log = models.JSONField(default=list, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    task_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status}, {self.progress} %)"


class Plugin(models.Model):
    name = models.CharField(max_length=100)
    author = models.CharField(max_length=100, blank=True, default="")
    package = models.CharField(max_length=200, blank=True, default="")
    contact = models.CharField(max_length=200, blank=True, default="")
    abouturl = models.CharField(max_length=200, blank=True, default="")
    icon = models.FileField(upload_to="plugins/", null=True, blank=True)
    products = models.ManyToManyField("annotations.Product", related_name="plugins", blank=True)

    class Meta:
        ordering = ["id"]
        permissions = [("use_server_side_plugins", "Can use server-side plugins")]

    def __str__(self) -> str:
        return self.name


class PluginJob(models.Model):
    processing_complete = models.FloatField(default=0)
    plugin = models.ForeignKey(Plugin, on_delete=models.CASCADE)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_time = models.DateTimeField(auto_now_add=True)
    updated_time = models.DateTimeField(auto_now=True)
    eta_time = models.DateTimeField(null=True, blank=True)
    error_message = models.CharField(max_length=400, blank=True, default="")
    error_detail = models.TextField(blank=True, default="")
    attached_worker = models.CharField(max_length=200, blank=True, default="")
    image = models.ForeignKey("images.Image", on_delete=models.CASCADE)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.plugin} on {self.image_id} ({self.processing_complete:.0f} %)"


class PluginResult(models.Model):
    plugin = models.ForeignKey(Plugin, on_delete=models.CASCADE)
    job = models.OneToOneField(
        PluginJob, on_delete=models.CASCADE, null=True, blank=True, related_name="result"
    )
    created_time = models.DateTimeField(auto_now_add=True)
    completed_time = models.DateTimeField(null=True, blank=True)
    default_alpha = models.FloatField(default=0.7)
    image = models.ForeignKey("images.Image", on_delete=models.CASCADE)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"result of {self.plugin} on {self.image_id}"


class PluginResultEntry(models.Model):
    pluginresult = models.ForeignKey(PluginResult, on_delete=models.CASCADE, related_name="entries")
    default_threshold = models.FloatField(default=0.0)
    name = models.CharField(max_length=100)
    visible = models.BooleanField(default=True)
    created_time = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PluginResultBitmap(models.Model):
    scale_min = models.FloatField(default=0.0)
    scale_max = models.FloatField(default=1.0)
    name = models.CharField(max_length=100)
    default_threshold = models.FloatField(default=0.0)
    default_alpha = models.FloatField(default=0.7)
    channels = models.IntegerField(default=1)
    location_rect = models.JSONField(default=dict)
    frame = models.IntegerField(default=0)
    meta_data = models.JSONField(null=True, blank=True)
    image = models.ForeignKey("images.Image", on_delete=models.CASCADE)
    bitmap = models.FileField(upload_to="plugin_bitmaps/")
    pluginresultentry = models.ForeignKey(
        PluginResultEntry, on_delete=models.CASCADE, related_name="bitmap_results"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PluginResultAnnotation(models.Model):
    annotation_type = models.ForeignKey("annotations.AnnotationType", on_delete=models.CASCADE)
    vector = models.JSONField(null=True, blank=True)
    score = models.FloatField(default=0.0)
    time = models.DateTimeField(auto_now_add=True)
    meta_data = models.JSONField(null=True, blank=True)
    description = models.CharField(max_length=1000, blank=True, default="")
    unique_identifier = models.UUIDField(null=True, blank=True)
    image = models.ForeignKey("images.Image", on_delete=models.CASCADE)
    pluginresultentry = models.ForeignKey(
        PluginResultEntry, on_delete=models.CASCADE, related_name="annotation_results"
    )
    generated = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.annotation_type_id} score {self.score:.2f}"
