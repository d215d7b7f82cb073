"""The viewer page: access, and the configuration it hands to the JavaScript viewer."""

import json
import re
from typing import Any

import pytest
from django.test import Client

from lamella.accounts.models import User
from lamella.images.models import Image
from tests import factories
from tests.conftest import Cast


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def viewer_url(image: Image) -> str:
    return f"/images/{image.pk}/view/"


def config_of(response: Any) -> dict[str, Any]:
    match = re.search(
        r'<script id="viewer-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page has no viewer-config script tag"
    return dict(json.loads(match.group(1)))


def test_a_member_gets_the_viewer_with_its_bundle(cast: Cast) -> None:
    response = logged_in(cast.member).get(viewer_url(cast.image))
    assert response.status_code == 200
    page = response.content.decode()
    assert "dist/viewer.js" in page
    assert "dist/viewer.css" in page
    assert 'id="viewer"' in page


def test_an_outsider_gets_404_for_the_viewer_of_a_private_set(cast: Cast) -> None:
    assert logged_in(cast.outsider).get(viewer_url(cast.image)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_login(cast: Cast) -> None:
    response = Client().get(viewer_url(cast.image))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_missing_image_is_404(cast: Cast) -> None:
    assert logged_in(cast.member).get("/images/999999/view/").status_code == 404


def test_an_outsider_may_view_a_public_set_but_not_draw(cast: Cast) -> None:
    cast.image_set.public = True
    cast.image_set.save()
    response = logged_in(cast.outsider).get(viewer_url(cast.image))
    assert response.status_code == 200
    assert config_of(response)["permissions"] == ["create_export", "read"]


def test_the_config_holds_the_image_and_the_permissions(cast: Cast) -> None:
    cast.image.mpp = 0.25
    cast.image.save()
    config = config_of(logged_in(cast.member).get(viewer_url(cast.image)))
    assert config["image"]["id"] == cast.image.pk
    assert config["image"]["width"] == cast.image.width
    assert config["image"]["height"] == cast.image.height
    assert config["image"]["mpp"] == 0.25
    assert {"read", "annotate", "edit_annotation", "delete_annotation"} <= set(
        config["permissions"]
    )
    assert re.fullmatch(
        rf"/api/v1/images/images/{cast.image.pk}/[0-9a-f]{{16}}/dzi\.dzi", config["dzi_url"]
    )
    assert config["csrf_token"]


def test_the_config_lists_the_types_of_the_sets_products_only(cast: Cast) -> None:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    polygon = factories.make_annotation_type(
        product=product, vector_type=5, name="tumour", color_code="#00ff00", sort_order=2
    )
    box = factories.make_annotation_type(
        product=product, vector_type=1, name="mitosis", sort_order=1
    )
    factories.make_annotation_type(product=product, name="retired", active=False)
    other = factories.make_product(team=cast.team)  # attached to no set
    factories.make_annotation_type(product=other, name="elsewhere")
    config = config_of(logged_in(cast.member).get(viewer_url(cast.image)))
    types = config["annotation_types"]
    assert [t["id"] for t in types] == [box.pk, polygon.pk]
    assert types[1]["vector_type"] == 5
    assert types[1]["color_code"] == "#00ff00"
    assert {"default_width", "default_height", "keyboard_shortcut", "closed"} <= set(types[0])


def test_a_product_on_two_sets_does_not_list_its_types_twice(cast: Cast) -> None:
    second = factories.make_image_set(team=cast.team, creator=cast.owner)
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set, second))
    factories.make_annotation_type(product=product)
    config = config_of(logged_in(cast.member).get(viewer_url(cast.image)))
    assert len(config["annotation_types"]) == 1


@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_every_team_role_may_open_the_viewer(cast: Cast, role: str) -> None:
    assert logged_in(getattr(cast, role)).get(viewer_url(cast.image)).status_code == 200
