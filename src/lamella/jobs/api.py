"""REST API v1 for EXACT's ``processing/``: plugins, plugin jobs and their results.

Plugins are global (administrators manage them); jobs and results belong to an image and follow
its set's policy: annotators run plugins and external workers report through these endpoints.
"""

from typing import Any, ClassVar

from lamella.accounts.policy import Action
from lamella.api.filters import ExactFilterSet, IdFilter, IdInFilter
from lamella.api.serializers import ExactModelSerializer, expand
from lamella.api.viewsets import ExactViewSet, walk
from lamella.images.models import ImageSet
from lamella.jobs.models import (
    Plugin,
    PluginJob,
    PluginResult,
    PluginResultAnnotation,
    PluginResultBitmap,
    PluginResultEntry,
)

IMAGE = "lamella.images.api.ImageSerializer"

# Serializers ---------------------------------------------------------------------------------


class PluginSerializer(ExactModelSerializer):
    class Meta:
        model = Plugin
        fields = ("id", "name", "author", "package", "contact", "abouturl", "icon", "products")
        extra_kwargs = {"products": {"required": False}}
        expandable_fields = {
            "products": expand("lamella.annotations.api.ProductSerializer", many=True)
        }


class PluginJobSerializer(ExactModelSerializer):
    class Meta:
        model = PluginJob
        fields = (
            "id",
            "creator",
            "plugin",
            "created_time",
            "updated_time",
            "eta_time",
            "image",
            "error_message",
            "error_detail",
            "attached_worker",
            "processing_complete",
            "result",
        )
        read_only_fields = ("creator", "created_time", "updated_time", "result")
        expandable_fields = {
            "plugin": expand(PluginSerializer),
            "image": expand(IMAGE),
            "creator": expand("lamella.accounts.api.UserSerializer"),
            "result": expand("lamella.jobs.api.PluginResultSerializer"),
        }


class PluginResultSerializer(ExactModelSerializer):
    class Meta:
        model = PluginResult
        fields = (
            "id",
            "image",
            "job",
            "plugin",
            "default_alpha",
            "completed_time",
            "created_time",
            "entries",
        )
        read_only_fields = ("created_time", "entries")
        expandable_fields = {
            "plugin": expand(PluginSerializer),
            "job": expand(PluginJobSerializer),
            "image": expand(IMAGE),
            "entries": expand("lamella.jobs.api.PluginResultEntrySerializer", many=True),
        }


class PluginResultEntrySerializer(ExactModelSerializer):
    class Meta:
        model = PluginResultEntry
        fields = (
            "id",
            "pluginresult",
            "created_time",
            "name",
            "visible",
            "default_threshold",
            "annotation_results",
            "bitmap_results",
        )
        read_only_fields = ("created_time", "annotation_results", "bitmap_results")
        expandable_fields = {
            "pluginresult": expand(PluginResultSerializer),
            "annotation_results": expand(
                "lamella.jobs.api.PluginResultAnnotationSerializer", many=True
            ),
            "bitmap_results": expand("lamella.jobs.api.PluginResultBitmapSerializer", many=True),
        }


class PluginResultAnnotationSerializer(ExactModelSerializer):
    class Meta:
        model = PluginResultAnnotation
        fields = (
            "id",
            "annotation_type",
            "pluginresultentry",
            "meta_data",
            "vector",
            "score",
            "description",
            "unique_identifier",
            "generated",
            "image",
            "time",
        )
        read_only_fields = ("time", "generated")
        expandable_fields = {
            "annotation_type": expand("lamella.annotations.api.AnnotationTypeSerializer"),
            "pluginresultentry": expand(PluginResultEntrySerializer),
            "image": expand(IMAGE),
        }


class PluginResultBitmapSerializer(ExactModelSerializer):
    class Meta:
        model = PluginResultBitmap
        fields = (
            "id",
            "bitmap",
            "channels",
            "default_alpha",
            "default_threshold",
            "meta_data",
            "name",
            "scale_min",
            "scale_max",
            "location_rect",
            "frame",
            "pluginresultentry",
            "image",
        )
        expandable_fields = {
            "pluginresultentry": expand(PluginResultEntrySerializer),
            "image": expand(IMAGE),
        }


# Filters -------------------------------------------------------------------------------------


class PluginJobFilter(ExactFilterSet):
    image_id = IdFilter(field_name="image")
    user_id = IdFilter(field_name="creator")
    filter_ids = IdInFilter(field_name="id")

    class Meta(ExactFilterSet.Meta):
        model = PluginJob
        fields = ["id", "image", "plugin", "creator", "attached_worker"]


class PluginResultFilter(ExactFilterSet):
    image_id = IdFilter(field_name="image")
    job_id = IdFilter(field_name="job")
    plugin_id = IdFilter(field_name="plugin")

    class Meta(ExactFilterSet.Meta):
        model = PluginResult
        fields = ["id", "image", "job", "plugin"]


class PluginResultEntryFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = PluginResultEntry
        fields = ["id", "pluginresult", "visible"]


class PluginResultAnnotationFilter(ExactFilterSet):
    plugin = IdFilter(field_name="pluginresultentry__pluginresult__plugin")

    class Meta(ExactFilterSet.Meta):
        model = PluginResultAnnotation
        fields = ["id", "image", "annotation_type", "pluginresultentry"]


class PluginResultBitmapFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = PluginResultBitmap
        fields = ["id", "image", "pluginresultentry"]


# Viewsets ------------------------------------------------------------------------------------


class PluginViewSet(ExactViewSet):
    """Registered plugins; readable by everyone, managed by administrators."""

    queryset = Plugin.objects.all()
    serializer_class = PluginSerializer


class ImageWorkViewSet(ExactViewSet):
    """Plugin work on an image: annotators run and report, set editors clean up."""

    set_path = "image__image_set"
    create_action = Action.ANNOTATE
    update_action = Action.ANNOTATE
    delete_action = Action.EDIT_SET
    #: Further relations whose sets a write must also be allowed in (no mixing across sets).
    also_paths: ClassVar[tuple[str, ...]] = ()

    def sets_of_data(self, data: dict[str, Any]) -> list[ImageSet | None]:
        sets = super().sets_of_data(data)
        for path in self.also_paths:
            head, _, rest = path.partition("__")
            if data.get(head) is not None:
                sets.append(walk(data[head], rest))
        return sets


class PluginJobViewSet(ImageWorkViewSet):
    queryset = PluginJob.objects.all()
    serializer_class = PluginJobSerializer
    filterset_class = PluginJobFilter

    def create_extras(self) -> dict[str, Any]:
        return {"creator": self.request.user}


class PluginResultViewSet(ImageWorkViewSet):
    also_paths = ("job__image__image_set",)
    queryset = PluginResult.objects.all()
    serializer_class = PluginResultSerializer
    filterset_class = PluginResultFilter


class PluginResultEntryViewSet(ImageWorkViewSet):
    queryset = PluginResultEntry.objects.all()
    serializer_class = PluginResultEntrySerializer
    filterset_class = PluginResultEntryFilter
    set_path = "pluginresult__image__image_set"


class PluginResultAnnotationViewSet(ImageWorkViewSet):
    queryset = PluginResultAnnotation.objects.all()
    serializer_class = PluginResultAnnotationSerializer
    filterset_class = PluginResultAnnotationFilter

    also_paths = ("pluginresultentry__pluginresult__image__image_set",)


class PluginResultBitmapViewSet(ImageWorkViewSet):
    also_paths = ("pluginresultentry__pluginresult__image__image_set",)
    queryset = PluginResultBitmap.objects.all()
    serializer_class = PluginResultBitmapSerializer
    filterset_class = PluginResultBitmapFilter


ROUTES = [
    ("processing/plugins", PluginViewSet, "plugin"),
    ("processing/pluginjobs", PluginJobViewSet, "pluginjob"),
    ("processing/pluginresults", PluginResultViewSet, "pluginresult"),
    ("processing/pluginresultentrys", PluginResultEntryViewSet, "pluginresultentry"),
    ("processing/pluginresultannotations", PluginResultAnnotationViewSet, "pluginresultannotation"),
    ("processing/pluginresultbitmaps", PluginResultBitmapViewSet, "pluginresultbitmap"),
]
