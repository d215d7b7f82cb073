"""The shapes the server returns, as TypedDicts: plain dicts at run time, checked by mypy.

Keys follow EXACT's REST API v1. ``total=False`` because ``fields=``/``omit=`` may drop keys and
``expand=`` may turn an id into a nested object.
"""

from typing import Any, TypedDict


class Team(TypedDict, total=False):
    id: int
    name: str
    website: str
    members: list[int]
    image_sets: list[int]
    product_set: list[int]
    memberships: list[int]


class ImageSet(TypedDict, total=False):
    id: int
    name: str
    description: str
    team: int
    creator: int | None
    public: bool
    public_collaboration: bool
    images: list[int]
    product_set: list[int]
    main_annotation_type: int | None
    time: str


class Image(TypedDict, total=False):
    id: int
    name: str
    filename: str
    image_set: int
    width: int
    height: int
    depth: int
    frames: int
    channels: int
    mpp: float
    objectivePower: float
    image_type: int
    ingest_state: str
    time: str


class Product(TypedDict, total=False):
    id: int
    name: str
    description: str
    team: int | None
    imagesets: list[int]
    annotationtype_set: list[int]


class AnnotationType(TypedDict, total=False):
    id: int
    name: str
    vector_type: int
    color_code: str
    product: int | None
    active: bool
    closed: bool
    multi_frame: bool
    default_width: int
    default_height: int
    sort_order: int


class Annotation(TypedDict, total=False):
    """An annotation as the list, detail and stream endpoints send it."""

    id: int
    image: int
    annotation_type: int
    vector: dict[str, Any] | None
    unique_identifier: str
    deleted: bool
    user: int | None
    last_editor: int | None
    time: str
    last_edit_time: str
    description: str
    meta_data: Any
    concealed: bool
    blurred: bool
    generated: bool
    score: float | None
    verified_by_user: bool


class Verification(TypedDict, total=False):
    id: int
    annotation: int
    user: int
    time: str
    verified: bool
