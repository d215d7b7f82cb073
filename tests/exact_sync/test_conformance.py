"""exact.md §4.4: the real exact-sync 0.0.41 client against a live Lamella, as a team member.

Each test prepares a team (the member is not a superuser and has no model permissions), runs
one step of ``flows.py`` in exact-sync's own virtualenv against ``live_server`` with Basic
auth, and checks what the client saw. Test ids name the checklist item (E1 ... E20).
"""

import io
import json
import os
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from lamella.annotations import services as annotation_services
from lamella.api.tokens import issue_token
from lamella.images.services import upload_images
from tests import factories
from tests.conftest import Cast
from tests.exact_sync.venv import exactsync_python

pytestmark = pytest.mark.django_db(transaction=True)
FLOWS = Path(__file__).with_name("flows.py")
ANNOTATIONS = 60  # more than one page of 50


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (256, 192), (20, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def context(cast: Cast, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """Ids the flows work on: a real uploaded PNG with 60 boxes, a product, a type, a token."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    png = png_bytes()
    (image,) = upload_images(
        user=cast.member, image_set=cast.image_set, files=[("slide.png", io.BytesIO(png))]
    )
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    box_type = factories.make_annotation_type(product=product, name="cell")
    items = [
        {"annotation_type": box_type, "vector": {"x1": i, "y1": i, "x2": i + 9, "y2": i + 9}}
        for i in range(ANNOTATIONS)
    ]
    rows = annotation_services.bulk_create_annotations(user=cast.owner, items=items, image=image)
    _, token = issue_token(user=cast.member, name="exact-sync")
    return {
        "team": cast.team.pk,
        "image_set": cast.image_set.pk,
        "other_set": factories.make_image_set(team=cast.team, creator=cast.member).pk,
        "image": image.pk,
        "image_name": "slide.png",
        "product": product.pk,
        "annotation_type": box_type.pk,
        "annotation": rows[0].pk,
        "uuid": str(rows[1].unique_identifier),
        "ids": ",".join(str(row.pk) for row in rows[:5]),
        "token": token,
        "png_hex": png.hex(),
        "all_images": sorted([image.pk, cast.image.pk]),
    }


@pytest.fixture
def run(live_server: Any, cast: Cast) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """``run(step, context)``: the step's JSON outcome from exact-sync's own interpreter."""
    python = exactsync_python()

    def call(step: str, ctx: dict[str, Any]) -> dict[str, Any]:
        env = {
            **os.environ,
            "EXACT_URL": live_server.url,
            "EXACT_USER": cast.member.username,
            "EXACT_PASSWORD": factories.PASSWORD,
            "EXACT_CONTEXT": json.dumps(ctx),
        }
        done = subprocess.run(
            [str(python), str(FLOWS), step], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    return call


def ok(outcome: dict[str, Any]) -> dict[str, Any]:
    assert "error" not in outcome, outcome.get("error", "") + "\n" + outcome.get("trace", "")
    return outcome


def check_e01(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["basic_teams"] == 1 and out["bearer_teams"] == 1
    assert out["bad_status"] in (401, 403) and out["bad_detail"]
    assert out["legacy"] == [200, 200, 200]


def check_e02(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["status"] == 400  # what EXACT answers; the point is "not 500"


def check_e03(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["count"] == ANNOTATIONS and out["page"] == 50 and out["ordered"]
    assert "limit=50" in out["next"] and "offset=50" in out["next"]
    assert out["all"] == out["all_count"] == out["threaded"] == ANNOTATIONS


def check_e04(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["nested_type"] == "cell" and out["product_name"]
    assert out["slim_name"] and out["slim_keys"] == ["id", "name", "team"]
    assert out["omitted_team"] == ctx["team"]
    assert "images" not in out["omit_keys"] and "product_set" not in out["omit_keys"]
    assert {"id", "name", "team"} <= set(out["omit_keys"])
    assert out["expanded_user"] == "owner" and out["expanded_type"] == "cell"
    assert out["plain_image"] == ctx["image"]


def check_e05(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["time"] and out["last_edit_time"] == "2021-03-04T05:06:07.080910"
    assert out["client_last_edit_time"] == "2021-03-04 05:06:07.080910"
    assert out["since_includes"] and out["later"] == 0


def check_e06(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["counts"]["teams"] == 1 and out["counts"]["images"] == 2
    assert out["counts"]["memberships"] >= 3 and out["counts"]["users"] >= 3
    assert out["objective_power"] is not None and out["name"] == "slide.png"


def check_e07(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["teams"] == 1 and out["patch_size"] == [16, 16]


def check_e08(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["created"].startswith("sync-team-") and out["found"]


def check_e09(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["team"] == ctx["team"] and out["by_name"] and out["by_part"]
    assert out["description"] == "from exact-sync"


def check_e10(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["imagesets"] == [ctx["image_set"]] and out["found"]
    assert out["patched"] == sorted([ctx["image_set"], ctx["other_set"]])


def check_e11(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["vector_type"] == 5 and out["found"] and out["retrieved"].startswith("sync-type")


def check_e12(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["count"] == 1 and out["id"] and out["name"] == "uploaded-by-exact-sync.png"


def check_e13(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["all"] == ctx["all_images"] and out["named"] == [ctx["image"]]
    assert out["size"] == [256, 192]


def check_e14(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["original"] is True
    assert out["thumbnail_png"] == "89504e470d0a1a0a"  # O15: the thumbnail is a PNG


def check_e17(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["deleted_false"] == ANNOTATIONS and out["by_type"] == ANNOTATIONS
    assert len(out["by_uuid"]) == 1 and out["by_ids"] == 5 and out["by_set"] == ANNOTATIONS
    assert out["fields"] == {"vector": True, "time": None, "id": True}


def check_e18(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["same_id"] and out["moved"] == 80
    assert out["uuid_generated"] and out["deleted_default"] is False


def check_e19(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert out["count"] == out["ids"] == 25


def check_e20(out: dict[str, Any], ctx: dict[str, Any]) -> None:
    deleted, edited, editor = out["patched"]
    assert deleted is True and edited == "2022-02-02 02:02:02.020202" and editor
    assert out["put"] == "put by exact-sync"
    assert out["count"] == {"count": ANNOTATIONS - 3}


ITEMS = [
    ("E1-auth", "e01_auth", check_e01),
    ("E2-empty-json-body", "e02_empty_json_body", check_e02),
    ("E3-pagination", "e03_pagination", check_e03),
    ("E4-flex-fields", "e04_flex_fields", check_e04),
    ("E5-datetimes", "e05_datetimes", check_e05),
    ("E6-required-keys", "e06_required_keys", check_e06),
    ("E7-slashless", "e07_slashless", check_e07),
    ("E8-teams", "e08_teams", check_e08),
    ("E9-image-sets", "e09_image_sets", check_e09),
    ("E10-products", "e10_products", check_e10),
    ("E11-annotation-types", "e11_annotation_types", check_e11),
    ("E12-image-upload", "e12_image_upload", check_e12),
    ("E13-images", "e13_images", check_e13),
    ("E14-download", "e14_download", check_e14),
    ("E17-annotation-filters", "e17_annotation_filters", check_e17),
    ("E18-single-create", "e18_single_create", check_e18),
    ("E19-bulk-create", "e19_bulk_create", check_e19),
    ("E20-patch-put-delete-count", "e20_write", check_e20),
]


@pytest.mark.parametrize(
    ("step", "check"), [(s, c) for _, s, c in ITEMS], ids=[i for i, _, _ in ITEMS]
)
def test_exact_sync_conformance(
    run: Callable[..., dict[str, Any]], context: dict[str, Any], step: str, check: Callable
) -> None:
    outcome = run(step, context)
    check(ok(outcome), context)


def test_the_readme_flow_end_to_end(
    run: Callable[..., dict[str, Any]], context: dict[str, Any]
) -> None:
    out = ok(run("readme_flow", context))
    assert out["annotations"] == 1 and out["downloaded"] > 0


def test_a_member_writes_without_any_model_permission(cast: Cast) -> None:
    # The premise of every test above: EXACT would refuse these writes to this user.
    assert not cast.member.is_superuser and not cast.member.user_permissions.exists()
    assert uuid.UUID(str(uuid.uuid4()))
