"""The JSON shapes of EXACT's legacy routes, as plain functions (``serialize_*`` in EXACT).

Annotation rows come from :func:`lamella.legacy.selectors.annotation_rows` as ``values()``
dicts, so loading ten thousand annotations builds no model objects and runs no per-row query.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from lamella.accounts.models import Team
from lamella.annotations.models import AnnotationType, Product
from lamella.api.fields import format_exact_datetime
from lamella.images.models import Image, ImageSet
from lamella.jobs.models import PluginJob


def _time(value: Any) -> str | None:
    return None if value is None else format_exact_datetime(value)


def annotation_to_dict(row: Mapping[str, Any], media: Iterable[Mapping[str, Any]] = ()) -> dict:
    """EXACT's ``serialize_annotation``: the nested shape SlideRunner reads."""
    editor_id = row["last_editor_id"] if row["last_editor_id"] is not None else row["user_id"]
    editor_name = row["last_editor__username"] or row["user__username"] or ""
    return {
        "id": row["id"],
        "vector": row["vector"],
        "last_edit_time": _time(row["last_edit_time"]),
        "deleted": row["deleted"],
        "description": row["description"],
        "unique_identifier": str(row["unique_identifier"]),
        "annotation_type": {
            "id": row["annotation_type_id"],
            "closed": row["annotation_type__closed"],
            "name": row["annotation_type__name"],
            "vector_type": row["annotation_type__vector_type"],
            "color_code": row["annotation_type__color_code"],
            "multi_frame": row["annotation_type__multi_frame"],
            "area_hit_test": row["annotation_type__area_hit_test"],
        },
        "media_files": list(media),
        "image": {"id": row["image_id"], "name": row["image__name"]},
        "last_editor": {"id": editor_id, "name": editor_name},
        "first_editor": {"id": row["user_id"], "name": row["user__username"] or ""},
        "is_verified": bool(row["is_verified"]),
        "meta_data": row["meta_data"],
    }


def annotation_type_brief(annotation_type: AnnotationType) -> dict[str, Any]:
    """The short type dict nested in image sets (EXACT's ``serialize_annotationType``)."""
    return {
        "id": annotation_type.pk,
        "closed": annotation_type.closed,
        "name": annotation_type.name,
        "vector_type": annotation_type.vector_type,
        "color_code": annotation_type.color_code,
        "multi_frame": annotation_type.multi_frame,
        "area_hit_test": annotation_type.area_hit_test,
    }


def annotation_type_to_dict(annotation_type: AnnotationType) -> dict[str, Any]:
    """EXACT's ``AnnotationTypeSerializer`` fields, for ``loadannotationtypes``."""
    return {
        "id": annotation_type.pk,
        "name": annotation_type.name,
        "vector_type": annotation_type.vector_type,
        "node_count": annotation_type.node_count,
        "enable_concealed": annotation_type.enable_concealed,
        "enable_blurred": annotation_type.enable_blurred,
        "color_code": annotation_type.color_code,
        "multi_frame": annotation_type.multi_frame,
        "default_width": annotation_type.default_width,
        "default_height": annotation_type.default_height,
        "sort_order": annotation_type.sort_order,
        "closed": annotation_type.closed,
        "area_hit_test": annotation_type.area_hit_test,
        "product": annotation_type.product_id,
    }


def _team(team: Team | None) -> dict[str, Any] | None:
    return None if team is None else {"id": team.pk, "name": team.name}


def imageset_to_dict(image_set: ImageSet) -> dict[str, Any]:
    """EXACT's ``serialize_imageset``; expects the prefetches of ``selectors.image_sets``."""
    main = image_set.main_annotation_type
    return {
        "id": image_set.pk,
        "name": image_set.name,
        "location": image_set.location,
        "description": image_set.description,
        "team": _team(image_set.team),
        "images": [
            {
                "id": image.pk,
                "name": image.name,
                "height": image.height,
                "width": image.width,
                "mpp": image.mpp,
                "objectivePower": image.objectivePower,
                "image_type": image.image_type,
            }
            for image in image_set.images.all()
        ],
        "products": [
            {
                "name": product.name,
                "id": product.pk,
                "annotation_types": [
                    annotation_type_brief(t) for t in product.annotationtype_set.all()
                ],
            }
            for product in image_set.product_set.all()
        ],
        "tags": [{"name": tag.name, "id": tag.pk} for tag in image_set.set_tags.all()],
        "main_annotation_type": None if main is None else annotation_type_brief(main),
    }


def image_to_dict(image: Image) -> dict[str, Any]:
    """EXACT's ``ImageSerializer`` fields, without ``annotations``: an id list of every
    annotation of the image is unbounded (10^6 ids) and no legacy client reads it."""
    return {
        "id": image.pk,
        "name": image.name,
        "filename": image.filename,
        "time": _time(image.time),
        "height": image.height,
        "width": image.width,
        "depth": image.depth,
        "frames": image.frames,
        "channels": image.channels,
        "mpp": image.mpp,
        "objectivePower": image.objectivePower,
        "FrameDescriptions": [frame.pk for frame in image.FrameDescriptions.all()],
        "defaultFrame": image.defaultFrame,
        "image_type": image.image_type,
        "image_set": image.image_set_id,
    }


def product_to_dict(product: Product) -> dict[str, Any]:
    """EXACT's ``ProductSerializer`` fields."""
    return {
        "id": product.pk,
        "name": product.name,
        "description": product.description,
        "team": product.team_id,
        "creator": product.creator_id,
        "imagesets": sorted(s.pk for s in product.imagesets.all()),
        "annotationtype_set": [t.pk for t in product.annotationtype_set.all()],
    }


def plugin_job_to_dict(job: PluginJob) -> dict[str, Any]:
    """EXACT's ``PluginJobSerializer`` fields."""
    return {
        "id": job.pk,
        "creator": job.creator_id,
        "plugin": job.plugin_id,
        "created_time": _time(job.created_time),
        "eta_time": _time(job.eta_time),
        "image": job.image_id,
        "error_message": job.error_message,
        "error_detail": job.error_detail,
        "attached_worker": job.attached_worker,
        "processing_complete": job.processing_complete,
        "updated_time": _time(job.updated_time),
        "result": None,
    }
