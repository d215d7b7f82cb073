"""Django admin for products, annotation types, annotations and exports.

Tables here reach millions of rows, so foreign keys to images and users are raw id inputs
(no dropdown that loads every row) and changelists do not count the whole table.
"""

from django.contrib import admin
from django.http import HttpRequest

from lamella.annotations.models import (
    Annotation,
    AnnotationHistory,
    AnnotationMediaFile,
    AnnotationType,
    AnnotationVersion,
    Export,
    ExportFormat,
    Product,
    Verification,
)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "creator", "time")
    list_select_related = ("team", "creator")
    search_fields = ("name", "team__name")
    raw_id_fields = ("creator", "imagesets")


@admin.register(AnnotationType)
class AnnotationTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "product", "vector_type", "color_code", "sort_order", "active")
    list_filter = ("vector_type", "active", "multi_frame")
    list_select_related = ("product",)
    search_fields = ("name", "product__name")
    raw_id_fields = ("product",)


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "image",
        "annotation_type",
        "user",
        "frame",
        "deleted",
        "generated",
        "last_edit_time",
    )
    list_filter = ("deleted", "generated", "annotation_type__vector_type")
    list_select_related = ("image", "annotation_type", "user")
    search_fields = ("=unique_identifier", "description")
    raw_id_fields = ("image", "user", "last_editor", "annotation_type")
    # Derived from ``vector`` by the service layer; editing them by hand would desynchronise.
    readonly_fields = ("frame", "x_min", "y_min", "x_max", "y_max")
    show_full_result_count = False


@admin.register(Verification)
class VerificationAdmin(admin.ModelAdmin):
    list_display = ("annotation", "user", "verified", "time")
    list_filter = ("verified",)
    list_select_related = ("annotation", "user")
    search_fields = ("user__username",)
    raw_id_fields = ("annotation", "user")
    show_full_result_count = False


@admin.register(AnnotationVersion)
class AnnotationVersionAdmin(admin.ModelAdmin):
    list_display = ("annotation", "version", "image", "annotation_type", "deleted")
    list_filter = ("deleted",)
    list_select_related = ("annotation", "version", "image", "annotation_type")
    raw_id_fields = ("version", "annotation", "image", "annotation_type")
    show_full_result_count = False


@admin.register(AnnotationHistory)
class AnnotationHistoryAdmin(admin.ModelAdmin):
    """Append-only: the admin shows the history and never changes it."""

    list_display = ("id", "annotation_id", "action", "user", "time", "image_id_snapshot")
    list_filter = ("action",)
    list_select_related = ("user",)
    search_fields = ("=annotation__id",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AnnotationMediaFile)
class AnnotationMediaFileAdmin(admin.ModelAdmin):
    list_display = ("name", "annotation", "media_file_type")
    list_filter = ("media_file_type",)
    list_select_related = ("annotation",)
    search_fields = ("name",)
    raw_id_fields = ("annotation",)


@admin.register(ExportFormat)
class ExportFormatAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "public", "min_verifications", "last_change_time")
    list_filter = ("public", "image_aggregation")
    list_select_related = ("team",)
    search_fields = ("name", "description")
    raw_id_fields = ("annotations_types",)


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ("__str__", "image_set", "user", "format", "annotation_count", "time")
    list_select_related = ("image_set", "user", "format")
    search_fields = ("filename", "image_set__name")
    raw_id_fields = ("user", "image_set", "format")
