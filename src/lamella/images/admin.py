"""Django admin for image sets, images and what hangs off them."""

from django.contrib import admin

from lamella.images.models import (
    AuxiliaryFile,
    FrameDescription,
    Image,
    ImageSet,
    LogImageAction,
    ScreeningMode,
    SetTag,
    SetVersion,
)


@admin.register(ImageSet)
class ImageSetAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "creator", "priority", "public", "public_collaboration", "time")
    list_filter = ("public", "public_collaboration", "priority", "collaboration_type", "image_lock")
    list_select_related = ("team", "creator")
    search_fields = ("name", "path", "team__name")
    raw_id_fields = ("creator", "main_annotation_type", "pinned_by")


@admin.register(SetTag)
class SetTagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    raw_id_fields = ("imagesets",)


@admin.register(SetVersion)
class SetVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "time", "file")
    search_fields = ("name",)
    raw_id_fields = ("imagesets",)


class FrameDescriptionInline(admin.TabularInline):
    model = FrameDescription
    fk_name = "Image"
    extra = 0


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ("name", "image_set", "width", "height", "frames", "ingest_state", "time")
    list_filter = ("ingest_state", "image_type")
    list_select_related = ("image_set",)
    search_fields = ("name", "filename")
    raw_id_fields = ("image_set", "creator")
    readonly_fields = ("time",)
    inlines = (FrameDescriptionInline,)
    # Counting every row of a large table on each page view costs more than it tells.
    show_full_result_count = False


@admin.register(FrameDescription)
class FrameDescriptionAdmin(admin.ModelAdmin):
    list_display = ("Image", "frame_id", "frame_type", "description")
    list_filter = ("frame_type",)
    list_select_related = ("Image",)
    search_fields = ("description", "Image__name")
    raw_id_fields = ("Image",)


@admin.register(AuxiliaryFile)
class AuxiliaryFileAdmin(admin.ModelAdmin):
    list_display = ("name", "image_set", "associated_to_image", "filesize", "time")
    list_select_related = ("image_set", "associated_to_image")
    search_fields = ("name", "location")
    raw_id_fields = ("image_set", "associated_to_image", "creator")


@admin.register(ScreeningMode)
class ScreeningModeAdmin(admin.ModelAdmin):
    list_display = ("image", "user", "current_index", "x_steps", "y_steps")
    list_select_related = ("image", "user")
    search_fields = ("image__name", "user__username")
    raw_id_fields = ("image", "user")


@admin.register(LogImageAction)
class LogImageActionAdmin(admin.ModelAdmin):
    list_display = ("image", "user", "action", "time", "ip")
    list_filter = ("action",)
    list_select_related = ("image", "user")
    search_fields = ("image__name", "user__username")
    raw_id_fields = ("image", "user")
    show_full_result_count = False
