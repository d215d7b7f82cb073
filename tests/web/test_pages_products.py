"""Product and annotation type management: members create and edit, admins delete."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lamella.accounts.models import User
from lamella.annotations.models import Annotation, AnnotationType, Product
from tests import factories
from tests.conftest import Cast

TYPE = {
    "name": "mitotic figure",
    "vector_type": "5",
    "color_code": "#00aa33",
    "default_width": "60",
    "default_height": "40",
    "sort_order": "2",
    "keyboard_shortcut": "m",
    "closed": "on",
    "active": "on",
}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_member_creates_a_product_and_lands_on_its_page(cast: Cast) -> None:
    response = logged_in(cast.member).post(
        f"/teams/{cast.team.pk}/products/", {"name": "MIDOG", "description": "mitoses"}
    )
    product = Product.objects.get(name="MIDOG")
    assert response.status_code == 302 and response["Location"] == f"/products/{product.pk}/"
    assert (product.team_id, product.creator_id) == (cast.team.pk, cast.member.pk)


def test_a_duplicate_product_name_is_refused(cast: Cast) -> None:
    factories.make_product(team=cast.team, name="MIDOG")
    response = logged_in(cast.member).post(f"/teams/{cast.team.pk}/products/", {"name": "MIDOG"})
    assert response.status_code == 400 and "already" in response.content.decode()


def test_outsiders_and_anonymous_visitors_cannot_reach_products(cast: Cast) -> None:
    product = factories.make_product(team=cast.team)
    outsider = logged_in(cast.outsider)
    assert outsider.get(f"/teams/{cast.team.pk}/products/").status_code == 404
    assert outsider.get(f"/products/{product.pk}/").status_code == 404
    assert outsider.post(f"/products/{product.pk}/types/", TYPE).status_code == 404
    assert Client().get(f"/products/{product.pk}/").status_code == 302


def test_a_type_is_added_with_shape_colour_size_order_and_key(cast: Cast) -> None:
    product = factories.make_product(team=cast.team)
    response = logged_in(cast.member).post(f"/products/{product.pk}/types/", TYPE)
    assert response.status_code == 302
    created = AnnotationType.objects.get(product=product)
    assert created.vector_type == AnnotationType.VectorType.POLYGON
    assert created.color_code == "#00AA33"
    assert (created.default_width, created.default_height, created.sort_order) == (60, 40, 2)
    assert (created.keyboard_shortcut, created.closed, created.multi_frame) == ("m", True, False)
    page = logged_in(cast.member).get(f"/products/{product.pk}/").content.decode()
    assert "mitotic figure" in page and "<kbd>m</kbd>" in page and "Polygon" in page


def test_bad_type_input_is_refused_field_by_field(cast: Cast) -> None:
    product = factories.make_product(team=cast.team)
    bad = TYPE | {
        "color_code": "red",
        "vector_type": "99",
        "default_width": "0",
        "keyboard_shortcut": " ",
    }
    response = logged_in(cast.member).post(f"/products/{product.pk}/types/", bad)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Give a colour as #rrggbb." in body
    assert "Select a valid choice" in body
    assert "greater than or equal to 1" in body
    assert "Use a visible key" in body
    assert not AnnotationType.objects.filter(product=product).exists()


def test_a_keyboard_shortcut_taken_in_the_product_is_refused(cast: Cast) -> None:
    product = factories.make_product(team=cast.team)
    factories.make_annotation_type(product=product, name="other", keyboard_shortcut="m")
    response = logged_in(cast.member).post(f"/products/{product.pk}/types/", TYPE)
    assert response.status_code == 400 and "taken by other" in response.content.decode()


def test_a_type_is_edited(cast: Cast) -> None:
    product = factories.make_product(team=cast.team)
    annotation_type = factories.make_annotation_type(product=product, name="old")
    client = logged_in(cast.member)
    assert client.get(f"/types/{annotation_type.pk}/edit/").status_code == 200
    changed = TYPE | {"name": "new", "multi_frame": "on"}
    assert client.post(f"/types/{annotation_type.pk}/edit/", changed).status_code == 302
    annotation_type.refresh_from_db()
    assert (annotation_type.name, annotation_type.multi_frame) == ("new", True)


def test_only_a_team_admin_deletes_types_and_not_those_in_use(cast: Cast) -> None:
    product = factories.make_product(team=cast.team)
    unused = factories.make_annotation_type(product=product)
    used = factories.make_annotation_type(product=product)
    now = timezone.now()
    Annotation.objects.create(
        image=cast.image, annotation_type=used, vector={}, time=now, last_edit_time=now
    )
    assert logged_in(cast.member).post(f"/types/{unused.pk}/delete/").status_code == 403
    admin = logged_in(cast.admin)
    admin.post(f"/types/{unused.pk}/delete/")
    admin.post(f"/types/{used.pk}/delete/")
    assert list(AnnotationType.objects.filter(product=product)) == [used]
    page = admin.get(f"/products/{product.pk}/").content.decode()
    assert "cannot be deleted" in page


def test_a_product_is_renamed_and_deleted_by_an_admin(cast: Cast) -> None:
    product = factories.make_product(team=cast.team)
    client = logged_in(cast.member)
    client.post(f"/products/{product.pk}/edit/", {"name": "renamed", "description": ""})
    product.refresh_from_db()
    assert product.name == "renamed"
    assert client.post(f"/products/{product.pk}/delete/").status_code == 403
    response = logged_in(cast.admin).post(f"/products/{product.pk}/delete/")
    assert response["Location"] == f"/teams/{cast.team.pk}/products/"
    assert not Product.objects.filter(pk=product.pk).exists()


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_product_pages_query_counts_are_flat(cast: Cast) -> None:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    client = logged_in(cast.member)
    urls = (f"/teams/{cast.team.pk}/products/", f"/products/{product.pk}/")
    before = [queries_for(client, url) for url in urls]
    for _ in range(6):
        factories.make_annotation_type(product=product)
        extra = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
        factories.make_annotation_type(product=extra)
    assert [queries_for(client, url) for url in urls] == before
