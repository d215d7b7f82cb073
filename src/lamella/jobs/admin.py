"""Django admin for background jobs and EXACT's plugin models."""

from django.contrib import admin

from lamella.jobs.models import (
    Job,
    Plugin,
    PluginJob,
    PluginResult,
    PluginResultAnnotation,
    PluginResultBitmap,
    PluginResultEntry,
)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "progress", "user", "created_at", "finished_at")
    list_filter = ("status", "kind")
    list_select_related = ("user",)
    search_fields = ("kind", "task_id", "error")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(Plugin)
class PluginAdmin(admin.ModelAdmin):
    list_display = ("name", "author", "package")
    search_fields = ("name", "author", "package")
    filter_horizontal = ("products",)


@admin.register(PluginJob)
class PluginJobAdmin(admin.ModelAdmin):
    list_display = ("id", "plugin", "image", "creator", "processing_complete", "created_time")
    list_filter = ("plugin",)
    list_select_related = ("plugin", "image", "creator")
    search_fields = ("error_message", "attached_worker")
    raw_id_fields = ("image", "creator")


@admin.register(PluginResult)
class PluginResultAdmin(admin.ModelAdmin):
    list_display = ("id", "plugin", "image", "job", "created_time", "completed_time")
    list_filter = ("plugin",)
    list_select_related = ("plugin", "image", "job")
    raw_id_fields = ("image", "job")


@admin.register(PluginResultEntry)
class PluginResultEntryAdmin(admin.ModelAdmin):
    list_display = ("name", "pluginresult", "visible", "default_threshold", "created_time")
    list_filter = ("visible",)
    list_select_related = ("pluginresult",)
    search_fields = ("name",)
    raw_id_fields = ("pluginresult",)


@admin.register(PluginResultBitmap)
class PluginResultBitmapAdmin(admin.ModelAdmin):
    list_display = ("name", "image", "pluginresultentry", "frame", "channels")
    list_select_related = ("image", "pluginresultentry")
    search_fields = ("name",)
    raw_id_fields = ("image", "pluginresultentry")


@admin.register(PluginResultAnnotation)
class PluginResultAnnotationAdmin(admin.ModelAdmin):
    list_display = ("id", "annotation_type", "image", "pluginresultentry", "score", "time")
    list_select_related = ("annotation_type", "image", "pluginresultentry")
    raw_id_fields = ("annotation_type", "image", "pluginresultentry")
    show_full_result_count = False
