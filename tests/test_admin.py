"""Django admin: every model of our apps is registered and its pages open for a superuser."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from lamella.accounts.models import PersonalAccessToken, User
from lamella.annotations.models import Annotation, AnnotationHistory
from tests import factories
from tests.conftest import Cast

OUR_APPS = ("accounts", "images", "annotations", "jobs")
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
# Tokens are made by their owner (the secret is shown once); history is append-only.
NO_ADD_PAGE = {PersonalAccessToken, AnnotationHistory}


@pytest.fixture
def superuser_client(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    return client


def admin_url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_model_of_our_apps_is_registered() -> None:
    ours = {model for label in OUR_APPS for model in apps.get_app_config(label).get_models()}
    missing = {model._meta.label for model in ours} - {m._meta.label for m in REGISTERED}
    assert ours
    assert missing == set()


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_a_superuser_opens_the_changelist(superuser_client: Client, model: type[Model]) -> None:
    assert superuser_client.get(admin_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_a_superuser_opens_the_add_page_where_adding_is_allowed(
    superuser_client: Client, model: type[Model]
) -> None:
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="root")
    allowed = admin.site._registry[model].has_add_permission(request)
    if model in NO_ADD_PAGE:
        assert not allowed
    status = superuser_client.get(admin_url(model, "add")).status_code
    assert status == (200 if allowed else 403)


def test_the_changelists_of_our_cast_list_and_open_their_objects(
    superuser_client: Client, cast: Cast
) -> None:
    for obj in (cast.owner, cast.team, cast.image_set, cast.image):
        model = type(obj)
        assert obj.pk is not None
        listing = superuser_client.get(admin_url(model, "changelist"))
        assert str(obj) in listing.content.decode()
        assert superuser_client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_annotation_pages_do_not_grow_in_queries_with_rows(
    superuser_client: Client, cast: Cast, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    annotation_type = factories.make_annotation_type(product=product)
    now = timezone.now()

    def add(count: int) -> None:
        Annotation.objects.bulk_create(
            Annotation(
                image=cast.image,
                annotation_type=annotation_type,
                user=cast.member,
                vector={"x": 1, "y": 1},
                time=now,
                last_edit_time=now,
            )
            for _ in range(count)
        )

    add(2)
    url = admin_url(Annotation, "changelist")
    with django_assert_max_num_queries(50) as few:
        superuser_client.get(url)
    add(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = superuser_client.get(url)
    assert response.status_code == 200
    first = Annotation.objects.first()
    assert first is not None
    change = superuser_client.get(admin_url(Annotation, "change", first.pk))
    assert change.status_code == 200
    assert 'class="vForeignKeyRawIdAdminField"' in change.content.decode()


def test_searching_annotations_by_a_malformed_uuid_is_not_an_error(
    superuser_client: Client,
) -> None:
    response = superuser_client.get(admin_url(Annotation, "changelist"), {"q": "not-a-uuid"})
    assert response.status_code == 200


def test_searching_history_by_a_non_numeric_id_is_not_an_error(superuser_client: Client) -> None:
    response = superuser_client.get(admin_url(AnnotationHistory, "changelist"), {"q": "abc"})
    assert response.status_code == 200
