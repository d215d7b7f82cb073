"""REST API v1 of the annotations app (EXACT's ``annotations/`` and ``administration/``).

Serializers are re-exported here because flex fields refer to them by dotted path.
"""

from lamella.annotations.api.annotation_views import AnnotationViewSet
from lamella.annotations.api.serializers import (
    AnnotationMediaFileSerializer,
    AnnotationSerializer,
    AnnotationTypeSerializer,
    AnnotationVersionSerializer,
    ProductSerializer,
    VerificationSerializer,
)
from lamella.annotations.api.views import (
    AnnotationMediaFileViewSet,
    AnnotationTypeViewSet,
    AnnotationVersionViewSet,
    ProductViewSet,
    VerificationViewSet,
)

__all__ = [
    "ROUTES",
    "AnnotationMediaFileSerializer",
    "AnnotationSerializer",
    "AnnotationTypeSerializer",
    "AnnotationVersionSerializer",
    "ProductSerializer",
    "VerificationSerializer",
]

ROUTES = [
    ("administration/products", ProductViewSet, "product"),
    ("annotations/annotation_types", AnnotationTypeViewSet, "annotationtype"),
    ("annotations/annotations", AnnotationViewSet, "annotation"),
    ("annotations/verifications", VerificationViewSet, "verification"),
    ("annotations/annotation_versions", AnnotationVersionViewSet, "annotationversion"),
    ("annotations/annotation_media_files", AnnotationMediaFileViewSet, "annotationmediafile"),
]
