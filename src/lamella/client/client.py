"""``Client``: teams, image sets, images, products, annotation types, annotations, verifications.

Every list method is a generator that pages through the server's results on demand; filters
are EXACT's ``field__lookup`` query parameters passed as keyword arguments, e.g.
``client.annotations(image=7, deleted=False, annotation_type__in=[1, 2])``.
"""

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

import requests

from lamella.client import types
from lamella.client.http import Transport
from lamella.client.uploads import CHUNK_SIZE, Progress, upload_file

ANNOTATIONS = "/api/v1/annotations/annotations/"
#: Bulk creates are sent in requests of this many annotations (each one transaction).
BULK_BATCH = 5_000


class Client:
    """A Lamella server (or an EXACT one, for the EXACT-compatible calls).

    Authenticate with a personal access token (``token=``, sent as ``Bearer``) or with
    ``username``/``password`` (HTTP Basic). Without either, only public image sets are visible.
    Failures raise :class:`lamella.client.LamellaError` with ``status`` and ``detail``.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        *,
        timeout: float = 60.0,
        page_size: int = 500,
        session: requests.Session | None = None,
    ) -> None:
        self.http = Transport(
            url,
            token=token,
            username=username,
            password=password,
            timeout=timeout,
            session=session,
        )
        #: Rows per request when paging through lists.
        self.page_size = page_size

    def close(self) -> None:
        """Close the pooled connections (also done by ``with Client(...) as client:``)."""
        self.http.session.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _list(self, path: str, filters: Mapping[str, Any]) -> Iterator[Any]:
        return self.http.paginate(path, filters, page_size=self.page_size)

    # Teams -------------------------------------------------------------------------------------
    def teams(self, **filters: Any) -> Iterator[types.Team]:
        """Teams visible to you (``name=``, ``name__contains=``, ``id__in=``)."""
        return self._list("/api/v1/users/teams/", filters)

    def create_team(self, name: str, **fields: Any) -> types.Team:
        """A new team with you as its administrator."""
        body = {"name": name, **fields}
        return cast(types.Team, self.http.json("POST", "/api/v1/users/teams/", json=body))

    # Image sets --------------------------------------------------------------------------------
    def image_sets(self, **filters: Any) -> Iterator[types.ImageSet]:
        """Image sets you may read (``team=``, ``name__contains=``, ...)."""
        return self._list("/api/v1/images/image_sets/", filters)

    def image_set(self, image_set_id: int, **params: Any) -> types.ImageSet:
        """One image set (``expand="product_set"`` etc. as query parameters)."""
        path = f"/api/v1/images/image_sets/{image_set_id}/"
        return cast(types.ImageSet, self.http.json("GET", path, params=params))

    def create_image_set(self, name: str, team: int, **fields: Any) -> types.ImageSet:
        body = {"name": name, "team": team, **fields}
        return cast(types.ImageSet, self.http.json("POST", "/api/v1/images/image_sets/", json=body))

    def update_image_set(self, image_set_id: int, **fields: Any) -> types.ImageSet:
        path = f"/api/v1/images/image_sets/{image_set_id}/"
        return cast(types.ImageSet, self.http.json("PATCH", path, json=fields))

    # Images ------------------------------------------------------------------------------------
    def images(self, **filters: Any) -> Iterator[types.Image]:
        """Images you may read (``image_set=``, ``name=``); annotation id lists omitted."""
        return self._list("/api/v1/images/images/", {"omit": "annotations", **filters})

    def image(self, image_id: int) -> types.Image:
        path = f"/api/v1/images/images/{image_id}/"
        return cast(types.Image, self.http.json("GET", path, params={"omit": "annotations"}))

    def upload_image(
        self,
        path: str | os.PathLike[str],
        image_set: int,
        *,
        image_type: int = 0,
        progress: Progress | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> list[types.Image]:
        """Upload a file into ``image_set``; returns the images it became.

        ``progress(bytes_sent, bytes_total)`` is called after every chunk. The upload resumes
        by itself after a dropped connection.
        """
        ids = upload_file(
            self.http,
            path,
            image_set=image_set,
            image_type=image_type,
            progress=progress,
            chunk_size=chunk_size,
        )
        return [self.image(pk) for pk in ids]

    def delete_image(self, image_id: int) -> None:
        self.http.send("DELETE", f"/api/v1/images/images/{image_id}/")

    # Products and annotation types -------------------------------------------------------------
    def products(self, **filters: Any) -> Iterator[types.Product]:
        return self._list("/api/v1/administration/products/", filters)

    def create_product(
        self, name: str, team: int, image_sets: Iterable[int] = (), **fields: Any
    ) -> types.Product:
        """A product of ``team``, attached to ``image_sets``."""
        body = {"name": name, "team": team, "imagesets": list(image_sets), **fields}
        answer = self.http.json("POST", "/api/v1/administration/products/", json=body)
        return cast(types.Product, answer)

    def annotation_types(self, **filters: Any) -> Iterator[types.AnnotationType]:
        return self._list("/api/v1/annotations/annotation_types/", filters)

    def create_annotation_type(
        self, name: str, product: int, vector_type: int = 1, **fields: Any
    ) -> types.AnnotationType:
        """``vector_type``: 1 box, 2 point, 3 line, 4 multi line, 5 polygon, 6 fixed box,
        7 global, 8 segmentation (EXACT's numbers)."""
        body = {"name": name, "product": product, "vector_type": vector_type, **fields}
        answer = self.http.json("POST", "/api/v1/annotations/annotation_types/", json=body)
        return cast(types.AnnotationType, answer)

    # Annotations -------------------------------------------------------------------------------
    def annotations(self, **filters: Any) -> Iterator[types.Annotation]:
        """Annotations you may read, page by page (``image=``, ``deleted=``, ``fields=``...)."""
        return self._list(ANNOTATIONS, filters)

    def annotation(self, annotation_id: int, **params: Any) -> types.Annotation:
        path = f"{ANNOTATIONS}{annotation_id}/"
        return cast(types.Annotation, self.http.json("GET", path, params=params))

    def count_annotations(self, **filters: Any) -> int:
        """How many annotations the filters select, without fetching them."""
        return int(self.http.json("GET", f"{ANNOTATIONS}count/", params=filters)["count"])

    def viewport(
        self,
        image: int,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        frame: int | None = None,
        **filters: Any,
    ) -> Iterator[types.Annotation]:
        """Annotations of ``image`` whose bounding box meets the rectangle (spatial index)."""
        query = {"image": image, "in_bbox": f"{x1},{y1},{x2},{y2}", "frame": frame, **filters}
        return self._list(ANNOTATIONS, query)

    def stream_annotations(
        self, image: int, *, fields: Iterable[str] | None = None, **filters: Any
    ) -> Iterator[types.Annotation]:
        """Every annotation of ``image`` in one streamed answer (NDJSON), decoded as it arrives:
        the fast way to load 10^5 to 10^6 annotations. Filters: ``frame``, ``in_bbox``,
        ``deleted``, ``annotation_type``."""
        query = {"image": image, "fields": list(fields) if fields else None, **filters}
        return self.http.ndjson(f"{ANNOTATIONS}stream/", query)

    def columnar_annotations(
        self, image: int, *, fields: Iterable[str] | None = None, **filters: Any
    ) -> dict[str, Any]:
        """The same as :meth:`stream_annotations`, as ``{"count", "fields", <field>: [...]}``."""
        query = {"image": image, "format": "columnar", **filters}
        query["fields"] = list(fields) if fields else None
        return cast(dict[str, Any], self.http.json("GET", f"{ANNOTATIONS}stream/", params=query))

    def create_annotation(
        self, image: int, annotation_type: int, vector: Mapping[str, Any] | None, **fields: Any
    ) -> types.Annotation:
        """Create one annotation; with a known ``unique_identifier`` the server updates it."""
        body = {"image": image, "annotation_type": annotation_type, "vector": vector, **fields}
        return cast(types.Annotation, self.http.json("POST", ANNOTATIONS, json=body))

    def bulk_create_annotations(
        self, items: Iterable[Mapping[str, Any]], *, batch_size: int = BULK_BATCH
    ) -> list[types.Annotation]:
        """Create many annotations, ``batch_size`` per request (each request all or nothing).

        Each item holds ``image``, ``annotation_type``, ``vector`` and optional fields."""
        created: list[types.Annotation] = []
        batch: list[Mapping[str, Any]] = []
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                created += self.http.json("POST", ANNOTATIONS, json=batch)
                batch = []
        if batch:
            created += self.http.json("POST", ANNOTATIONS, json=batch)
        return created

    def update_annotation(self, annotation_id: int, **changes: Any) -> types.Annotation:
        path = f"{ANNOTATIONS}{annotation_id}/"
        return cast(types.Annotation, self.http.json("PATCH", path, json=changes))

    def delete_annotation(self, annotation_id: int) -> None:
        self.http.send("DELETE", f"{ANNOTATIONS}{annotation_id}/")

    def delete_annotations(self, annotation_ids: Iterable[int]) -> None:
        """Delete several annotations in one request (EXACT's ``multiple_delete``)."""
        ids = list(annotation_ids)
        if ids:
            self.http.send("DELETE", f"{ANNOTATIONS}multiple_delete/", params={"id__in": ids})

    # Verifications -----------------------------------------------------------------------------
    def verifications(self, **filters: Any) -> Iterator[types.Verification]:
        return self._list("/api/v1/annotations/verifications/", filters)

    def verify(self, annotation: int, verified: bool = True) -> types.Verification:
        """Accept (or with ``verified=False`` reject) an annotation; replaces your earlier one."""
        body = {"annotation": annotation, "verified": verified}
        answer = self.http.json("POST", "/api/v1/annotations/verifications/", json=body)
        return cast(types.Verification, answer)
