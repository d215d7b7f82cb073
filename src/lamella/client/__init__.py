"""A typed Python client for Lamella's REST API (and the EXACT-compatible part of EXACT's).

It depends only on ``requests``::

    from lamella.client import Client

    lamella = Client("http://127.0.0.1:8000", token="pat_...")
    team = lamella.create_team("lab")
    image_set = lamella.create_image_set("slides", team=team["id"])
    (image,) = lamella.upload_image("slide.svs", image_set["id"], progress=print)
    for annotation in lamella.stream_annotations(image["id"], deleted=False):
        ...
"""

from lamella.client.client import Client
from lamella.client.errors import LamellaError
from lamella.client.types import (
    Annotation,
    AnnotationType,
    Image,
    ImageSet,
    Product,
    Team,
    Verification,
)
from lamella.client.uploads import Progress

__all__ = [
    "Annotation",
    "AnnotationType",
    "Client",
    "Image",
    "ImageSet",
    "LamellaError",
    "Product",
    "Progress",
    "Team",
    "Verification",
]
