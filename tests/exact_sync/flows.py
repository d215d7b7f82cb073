"""exact-sync 0.0.41 flows, run by the exact-sync virtualenv's Python (not by pytest).

``python flows.py <step>`` reads ``EXACT_URL``, ``EXACT_USER``, ``EXACT_PASSWORD`` and
``EXACT_CONTEXT`` (JSON ids prepared by the test) and prints one JSON object: what the step
observed. Each step follows exact-sync's README and notebooks (exact.md §4.3) for one
checklist item (§4.4). A step that raises prints ``{"error": ..., "status": ...}``.
"""
# mypy: ignore-errors

import json
import os
import re
import sys
import tempfile
import traceback
import uuid
from pathlib import Path
from typing import Any

import requests
from exact_sync.v1.api.annotation_types_api import AnnotationTypesApi
from exact_sync.v1.api.annotations_api import AnnotationsApi
from exact_sync.v1.api.image_sets_api import ImageSetsApi
from exact_sync.v1.api.images_api import ImagesApi
from exact_sync.v1.api.products_api import ProductsApi
from exact_sync.v1.api.set_tags_api import SetTagsApi
from exact_sync.v1.api.team_membership_api import TeamMembershipApi
from exact_sync.v1.api.teams_api import TeamsApi
from exact_sync.v1.api.users_api import UsersApi
from exact_sync.v1.api.verifications_api import VerificationsApi
from exact_sync.v1.api_client import ApiClient
from exact_sync.v1.configuration import Configuration
from exact_sync.v1.models import Annotation, AnnotationType, ImageSet, Product, Team
from exact_sync.v1.rest import ApiException

URL = os.environ["EXACT_URL"]
CTX: dict[str, Any] = json.loads(os.environ.get("EXACT_CONTEXT", "{}"))
EXACT_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


def client(*, password: str | None = None, token: str | None = None) -> ApiClient:
    configuration = Configuration()
    configuration.host = URL
    configuration.username = os.environ["EXACT_USER"]
    configuration.password = password or os.environ["EXACT_PASSWORD"]
    if token:
        configuration.token = token
    return ApiClient(configuration)


def raw_get(path: str, **params: Any) -> Any:
    auth = (os.environ["EXACT_USER"], os.environ["EXACT_PASSWORD"])
    response = requests.get(URL + path, params=params, auth=auth, timeout=30)
    response.raise_for_status()
    return response.json()


def status_of(call: Any) -> int:
    try:
        call()
    except ApiException as exc:
        return int(exc.status)
    return 200


def e01_auth() -> dict[str, Any]:
    auth = (os.environ["EXACT_USER"], os.environ["EXACT_PASSWORD"])
    bad = client(password="wrong")
    try:
        TeamsApi(bad).list_teams()
        bad_status, bad_body = 200, {}
    except ApiException as exc:
        bad_status, bad_body = exc.status, json.loads(exc.body)
    legacy = [
        requests.get(URL + "/timesync/", auth=auth, timeout=10).status_code,
        requests.get(
            f"{URL}/annotations/api/annotation/load/?image_id={CTX['image']}", auth=auth, timeout=10
        ).status_code,
        requests.get(URL + "/images/api/list_imagesets/", auth=auth, timeout=10).status_code,
    ]
    return {
        "basic_teams": TeamsApi(client()).list_teams().count,
        "bearer_teams": TeamsApi(client(token=CTX["token"])).list_teams().count,
        "bad_status": bad_status,
        "bad_detail": "detail" in bad_body,
        "legacy": legacy,
    }


def e02_empty_json_body() -> dict[str, Any]:
    api = VerificationsApi(client())
    # Generated with form params, so the client sends an empty JSON body.
    return {
        "status": status_of(
            lambda: api.create_verification(annotation=CTX["annotation"], verified=True)
        )
    }


def e03_pagination() -> dict[str, Any]:
    api = AnnotationsApi(client())
    first = api.list_annotations(image=CTX["image"])
    every = api.list_annotations(pagination=False, image=CTX["image"])
    threaded = api.list_annotations(pagination=False, async_req=True, image=CTX["image"])
    return {
        "count": first.count,
        "page": len(first.results),
        "next": first.next,
        "all": len({a.id for a in every.results}),
        "all_count": every.count,
        "threaded": len({a.id for a in threaded.results}),
        "ordered": [a.id for a in first.results] == sorted(a.id for a in first.results),
    }


def e04_flex_fields() -> dict[str, Any]:
    sets = ImageSetsApi(client())
    expanded = sets.retrieve_image_set(
        id=CTX["image_set"], expand="product_set,product_set.annotationtype_set"
    )
    product = expanded.product_set[0]
    # The client fills absent keys with its defaults, so the wire keys are read raw as well.
    slim = sets.list_image_sets(id=CTX["image_set"], fields="id,name,team").results[0]
    omitted = sets.list_image_sets(id=CTX["image_set"], omit="images,product_set").results[0]
    auth = (os.environ["EXACT_USER"], os.environ["EXACT_PASSWORD"])
    raw = URL + f"/api/v1/images/image_sets/?id={CTX['image_set']}&"
    slim_keys = requests.get(raw + "fields=id,name,team", auth=auth, timeout=10).json()
    omit_keys = requests.get(raw + "omit=images,product_set", auth=auth, timeout=10).json()
    annotations = AnnotationsApi(client()).list_annotations(
        image=CTX["image"], expand="user,annotation_type", limit=1
    )
    first = annotations.results[0]
    return {
        "product_name": product["name"],
        "nested_type": product["annotationtype_set"][0]["name"],
        "slim_name": slim.name,
        "slim_keys": sorted(slim_keys["results"][0]),
        "omitted_team": omitted.team,
        "omit_keys": sorted(omit_keys["results"][0]),
        "expanded_user": first.user["username"],
        "expanded_type": first.annotation_type["name"],
        "plain_image": first.image,
    }


def e05_datetimes() -> dict[str, Any]:
    api = AnnotationsApi(client())
    created = api.create_annotation(
        body=Annotation(
            annotation_type=CTX["annotation_type"], image=CTX["image"],
            vector={"x1": 1, "y1": 2, "x2": 30, "y2": 40}, unique_identifier=str(uuid.uuid4()),
            last_edit_time="2021-03-04T05:06:07.080910",
        )
    )  # fmt: skip
    # exact-sync 0.0.41 cannot send last_edit_time__gte (not in its parameter list); the
    # viewer's spelling, a space for the T, is sent raw.
    since = raw_get(
        "/api/v1/annotations/annotations/",
        image=CTX["image"], last_edit_time__gte="2021-03-04 05:06:07", limit=1000,
    )  # fmt: skip
    later = api.list_annotations(
        pagination=False, image=CTX["image"], time__gte="2100-01-01T00:00:00.000000"
    )
    wire = raw_get(f"/api/v1/annotations/annotations/{created.id}/")
    return {
        # On the wire (the client hands back datetimes).
        "time": bool(EXACT_TIME.match(wire["time"])),
        "last_edit_time": wire["last_edit_time"],
        "client_last_edit_time": str(created.last_edit_time),
        "since_includes": created.id in {a["id"] for a in since["results"]},
        "later": later.count,
    }


def e06_required_keys() -> dict[str, Any]:
    c = client()
    counts = {
        "teams": TeamsApi(c).list_teams().count,
        "image_sets": ImageSetsApi(c).list_image_sets().count,
        "images": ImagesApi(c).list_images().count,
        "annotation_types": AnnotationTypesApi(c).list_annotation_types().count,
        "users": UsersApi(c).list_users().count,
        "products": ProductsApi(c).list_products().count,
        "memberships": TeamMembershipApi(c).list_team_memberships().count,
        "set_tags": SetTagsApi(c).list_set_tags().count,
    }
    image = ImagesApi(c).retrieve_image(id=CTX["image"])
    return {"counts": counts, "objective_power": image.objective_power, "name": image.name}


def e07_slashless() -> dict[str, Any]:
    c = client()
    teams = c.call_api(
        "/api/v1/users/teams", "GET", response_type="Teams",
        auth_settings=["basicAuth"], _return_http_data_only=True,
    )  # fmt: skip
    patch = ImagesApi(c).get_patch(id=CTX["image"], x=0, y=0, level=0, width=16, height=16)
    return {"teams": teams.count, "patch_size": list(patch.size)}


def e08_teams() -> dict[str, Any]:
    api = TeamsApi(client())
    created = api.create_team(body=Team(name="sync-team-" + uuid.uuid4().hex[:8]))
    found = api.list_teams(name=created.name)
    return {"created": created.name, "found": [t.id for t in found.results] == [created.id]}


def e09_image_sets() -> dict[str, Any]:
    api = ImageSetsApi(client())
    name = "sync-set-" + uuid.uuid4().hex[:8]
    created = api.create_image_set(body=ImageSet(name=name, team=CTX["team"]))
    by_name = api.list_image_sets(name=name).results
    by_part = api.list_image_sets(name__contains=name[-8:]).results
    api.partial_update_image_set(id=created.id, description="from exact-sync", priority=1)
    again = api.retrieve_image_set(
        id=created.id, expand="product_set,product_set.annotationtype_set"
    )
    return {
        "team": created.team,
        "by_name": [s.id for s in by_name] == [created.id],
        "by_part": [s.id for s in by_part] == [created.id],
        "description": again.description,
    }


def e10_products() -> dict[str, Any]:
    api = ProductsApi(client())
    name = "sync-product-" + uuid.uuid4().hex[:6]
    created = api.create_product(
        body=Product(name=name, imagesets=[CTX["image_set"]], team=CTX["team"])
    )
    found = api.list_products(name=name).results
    patched = api.partial_update_product(
        id=created.id, imagesets=[CTX["image_set"], CTX["other_set"]]
    )
    return {
        "imagesets": created.imagesets,
        "found": [p.id for p in found] == [created.id],
        "patched": sorted(patched.imagesets),
    }


def e11_annotation_types() -> dict[str, Any]:
    api = AnnotationTypesApi(client())
    name = "sync-type-" + uuid.uuid4().hex[:6]
    created = api.create_annotation_type(
        body=AnnotationType(name=name, product=CTX["product"], vector_type=5)
    )
    found = api.list_annotation_types(name=name, product=CTX["product"]).results
    return {
        "vector_type": created.vector_type,
        "found": [t.id for t in found] == [created.id],
        "retrieved": api.retrieve_annotation_type(id=created.id).name,
    }


def e12_image_upload() -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp())
    path = folder / "uploaded-by-exact-sync.png"
    path.write_bytes(bytes.fromhex(CTX["png_hex"]))
    result = ImagesApi(client()).create_image(
        file_path=str(path), image_type=0, image_set=CTX["image_set"]
    )
    if not result.results:
        # The client parses any answer without looking at the status; ask again to learn it.
        auth = (os.environ["EXACT_USER"], os.environ["EXACT_PASSWORD"])
        with path.open("rb") as handle:
            again = requests.post(
                URL + "/api/v1/images/images/", auth=auth, timeout=60,
                files={"file_path": (path.name, handle)},
                data={"image_type": "0", "image_set": str(CTX["image_set"])},
            )  # fmt: skip
        return {"error": f"upload answered {again.status_code}", "status": again.status_code}
    return {"count": result.count, "id": result.results[0].id, "name": result.results[0].name}


def e13_images() -> dict[str, Any]:
    api = ImagesApi(client())
    every = api.list_images(pagination=False, image_set=CTX["image_set"])
    named = api.list_images(name=CTX["image_name"]).results
    one = api.retrieve_image(id=CTX["image"])
    return {
        "all": sorted(i.id for i in every.results),
        "named": [i.id for i in named],
        "size": [one.width, one.height],
        "filename": one.filename,
    }


def e14_download() -> dict[str, Any]:
    api = ImagesApi(client())
    folder = Path(tempfile.mkdtemp())
    original = folder / "original.png"
    api.download_image(id=CTX["image"], target_path=original, original_image=True)
    thumbnail = folder / "thumb.png"
    api.download_thumbnail(id=CTX["image"], target_path=thumbnail)
    return {
        "original": original.read_bytes().hex() == CTX["png_hex"],
        "thumbnail_png": thumbnail.read_bytes()[:8].hex(),
    }


def e17_annotation_filters() -> dict[str, Any]:
    api = AnnotationsApi(client())
    q = {"pagination": False, "image": CTX["image"]}
    return {
        "deleted_false": api.list_annotations(deleted=False, **q).count,
        "by_type": api.list_annotations(annotation_type=CTX["annotation_type"], **q).count,
        "by_uuid": [a.id for a in api.list_annotations(unique_identifier=CTX["uuid"], **q).results],
        # The client glues 'id__in' 'time' into one name, so these two are sent raw.
        "by_ids": raw_get("/api/v1/annotations/annotations/", id__in=CTX["ids"])["count"],
        "by_set": raw_get("/api/v1/annotations/annotations/", image__image_set=CTX["image_set"])[
            "count"
        ],
        "fields": _slim(api),
    }


def _slim(api: AnnotationsApi) -> dict[str, Any]:
    first = api.list_annotations(image=CTX["image"], fields="id,vector,deleted", limit=1).results[0]
    return {"vector": first.vector is not None, "time": first.time, "id": first.id is not None}


def e18_single_create() -> dict[str, Any]:
    api = AnnotationsApi(client())
    key = str(uuid.uuid4())
    box = {"x1": 10, "y1": 10, "x2": 60, "y2": 50}
    body = Annotation(annotation_type=CTX["annotation_type"], vector=box, image=CTX["image"],
                      unique_identifier=key)  # fmt: skip
    first = api.create_annotation(body=body)
    moved = Annotation(annotation_type=CTX["annotation_type"], image=CTX["image"],
                       vector={**box, "x2": 80}, unique_identifier=key)  # fmt: skip
    again = api.create_annotation(body=moved)
    bare = api.create_annotation(
        body=Annotation(annotation_type=CTX["annotation_type"], vector=box, image=CTX["image"])
    )
    return {
        "same_id": first.id == again.id,
        "moved": again.vector["x2"],
        "uuid_generated": bool(bare.unique_identifier),
        "deleted_default": bare.deleted,
        "user": first.user,
    }


def e19_bulk_create() -> dict[str, Any]:
    api = AnnotationsApi(client())
    bodies = [
        Annotation(
            annotation_type=CTX["annotation_type"],
            image=CTX["image"],
            vector={"x1": i, "y1": i, "x2": i + 20, "y2": i + 20},
            unique_identifier=str(uuid.uuid4()),
        )
        for i in range(25)
    ]
    created = api.create_annotation(body=bodies)
    return {"count": len(created), "ids": len({a.id for a in created if a.id})}


def e20_write() -> dict[str, Any]:
    c = client()
    api = AnnotationsApi(c)
    ids = CTX["ids"].split(",")
    patched = api.partial_update_annotation(
        id=ids[0], deleted=True, last_edit_time="2022-02-02T02:02:02.020202"
    )
    full = api.retrieve_annotation(id=ids[1])
    full.description = "put by exact-sync"
    put = api.update_annotation(id=ids[1], body=full)
    api.destroy_annotation(id=ids[2])
    api.multiple_delete(id__in=f"{ids[3]},{ids[4]}")
    count = c.call_api(
        "/api/v1/annotations/annotations/count/", "GET", query_params=[("image", CTX["image"])],
        response_type="object", auth_settings=["basicAuth"], _return_http_data_only=True,
    )  # fmt: skip
    return {
        # The client turns the string into a datetime; str() puts a space for the T.
        "patched": [patched.deleted, str(patched.last_edit_time), patched.last_editor],
        "put": put.description,
        "count": count,
    }


def readme_flow() -> dict[str, Any]:
    """The README end to end: team, set, product, type, image, annotations, download."""
    c = client()
    team = TeamsApi(c).create_team(body=Team(name="readme-" + uuid.uuid4().hex[:6]))
    image_set = ImageSetsApi(c).create_image_set(body=ImageSet(name="readme", team=team.id))
    product = ProductsApi(c).create_product(
        body=Product(name="readme", imagesets=[image_set.id], team=team.id)
    )
    kind = AnnotationTypesApi(c).create_annotation_type(
        body=AnnotationType(name="cell", product=product.id, vector_type=1)
    )
    folder = Path(tempfile.mkdtemp())
    path = folder / "readme.png"
    path.write_bytes(bytes.fromhex(CTX["png_hex"]))
    image = ImagesApi(c).create_image(file_path=str(path), image_type=0, image_set=image_set.id)
    if not image.results:
        return {"error": f"upload answered without results: {image}"}
    image_id = image.results[0].id
    api = AnnotationsApi(c)
    api.create_annotation(body=Annotation(annotation_type=kind.id, image=image_id,
                                          vector={"x1": 1, "y1": 1, "x2": 9, "y2": 9}))  # fmt: skip
    listed = api.list_annotations(pagination=False, image=image_id)
    ImagesApi(c).download_image(id=image_id, target_path=folder / "back.png", original_image=True)
    return {"annotations": listed.count, "downloaded": (folder / "back.png").stat().st_size}


def main() -> None:
    step = globals()[sys.argv[1]]
    try:
        outcome = step()
    except ApiException as exc:
        body = exc.body.decode() if isinstance(exc.body, bytes) else exc.body
        outcome = {"error": f"ApiException {exc.status}: {str(body)[:400]}", "status": exc.status}
    # Any client-side failure (the client raises TypeError, ValueError, ...) goes back to the
    # test as data, so the report names it instead of a bare exit status.
    except Exception as exc:  # noqa: BLE001
        outcome = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-1500:]}
    print(json.dumps(outcome, default=str))  # noqa: T201 - stdout is this script's answer


if __name__ == "__main__":
    main()
