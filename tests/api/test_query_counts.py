"""No N+1: every list endpoint costs the same number of queries for 3 rows as for 30."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lamella.accounts.models import Team, TeamMembership
from lamella.annotations.models import (
    AnnotationMediaFile,
    AnnotationVersion,
    Verification,
)
from lamella.annotations.services import create_annotation
from lamella.api.tokens import issue_token
from lamella.images.models import (
    FrameDescription,
    LogImageAction,
    ScreeningMode,
    SetTag,
    SetVersion,
)
from lamella.jobs.models import (
    Plugin,
    PluginJob,
    PluginResult,
    PluginResultAnnotation,
    PluginResultBitmap,
    PluginResultEntry,
)
from tests import factories
from tests.api.conftest import box


class World:
    """Builds n rows of one kind around the cast, all readable by the member."""

    def __init__(self, cast: Any, box_type: Any) -> None:
        self.cast, self.box_type, self.seq = cast, box_type, 0

    def name(self) -> str:
        self.seq += 1
        return f"row-{self.seq}"

    def image(self) -> Any:
        image = factories.make_image(image_set=self.cast.image_set)
        FrameDescription.objects.create(Image=image, frame_id=1)
        return image

    def annotation(self, image: Any = None) -> Any:
        annotation = create_annotation(
            user=self.cast.owner, image=image or self.cast.image,
            annotation_type=self.box_type, vector=box(),
        )  # fmt: skip
        Verification.objects.create(annotation=annotation, user=self.cast.member)
        AnnotationMediaFile.objects.create(name=self.name(), file="x.txt", annotation=annotation)
        return annotation

    def entry(self) -> Any:
        plugin = Plugin.objects.create(name=self.name())
        job = PluginJob.objects.create(plugin=plugin, image=self.cast.image)
        result = PluginResult.objects.create(plugin=plugin, job=job, image=self.cast.image)
        return PluginResultEntry.objects.create(pluginresult=result, name=self.name())


def _user(w: World) -> None:
    TeamMembership.objects.create(team=w.cast.team, user=factories.make_user(w.name()))


def _team(w: World) -> None:
    team = Team.objects.create(name=w.name())
    TeamMembership.objects.create(team=team, user=w.cast.member)
    factories.make_image_set(team=team)


def _image_set(w: World) -> None:
    image_set = factories.make_image_set(team=w.cast.team, creator=w.cast.member)
    factories.make_image(image_set=image_set)
    factories.make_product(team=w.cast.team, image_sets=(image_set,))
    SetTag.objects.create(name=w.name()).imagesets.add(image_set)


def _image(w: World) -> None:
    w.annotation(w.image())


def _set_tag(w: World) -> None:
    SetTag.objects.create(name=w.name()).imagesets.add(w.cast.image_set)


def _set_version(w: World) -> None:
    SetVersion.objects.create(name=w.name()).imagesets.add(w.cast.image_set)


def _screening(w: World) -> None:
    ScreeningMode.objects.create(image=w.image(), user=w.cast.member)


def _log(w: World) -> None:
    LogImageAction.objects.create(image=w.cast.image, user=w.cast.member)


def _product(w: World) -> None:
    product = factories.make_product(team=w.cast.team, image_sets=(w.cast.image_set,))
    factories.make_annotation_type(product=product)


def _annotation_type(w: World) -> None:
    factories.make_annotation_type(product=w.box_type.product)


def _annotation(w: World) -> None:
    w.annotation()


def _verification(w: World) -> None:
    w.annotation()


def _annotation_version(w: World) -> None:
    version = SetVersion.objects.create(name=w.name())
    annotation = w.annotation()
    AnnotationVersion.objects.create(
        version=version, annotation=annotation, image=annotation.image,
        annotation_type=w.box_type, vector=box(),
    )  # fmt: skip


def _plugin(w: World) -> None:
    factories.make_product(team=w.cast.team).plugins.add(Plugin.objects.create(name=w.name()))


def _plugin_job(w: World) -> None:
    w.entry()


def _plugin_result_annotation(w: World) -> None:
    PluginResultAnnotation.objects.create(
        annotation_type=w.box_type, vector=box(), image=w.cast.image, pluginresultentry=w.entry()
    )


def _plugin_result_bitmap(w: World) -> None:
    PluginResultBitmap.objects.create(
        name=w.name(), image=w.cast.image, bitmap="b.png", pluginresultentry=w.entry()
    )


def _token(w: World) -> None:
    issue_token(user=w.cast.member, name=w.name())


LISTS: dict[str, Callable[[World], None]] = {
    "users/users/": _user,
    "users/teams/": _team,
    "users/team_membership/": _user,
    "users/tokens/": _token,
    "images/image_sets/": _image_set,
    "images/image_sets/?expand=product_set,product_set.annotationtype_set,team": _image_set,
    "images/images/": _image,
    "images/images/?omit=annotations": _image,
    "images/set_tags/": _set_tag,
    "images/set_versions/": _set_version,
    "images/screening_modes/": _screening,
    "annotations/log_image_actions/": _log,
    "administration/products/": _product,
    "annotations/annotation_types/": _annotation_type,
    "annotations/annotations/": _annotation,
    "annotations/annotations/?expand=user,annotation_type,uploaded_media_files": _annotation,
    "annotations/verifications/": _verification,
    "annotations/annotation_versions/": _annotation_version,
    "annotations/annotation_media_files/": _annotation,
    "processing/plugins/": _plugin,
    "processing/pluginjobs/": _plugin_job,
    "processing/pluginresults/": _plugin_job,
    "processing/pluginresultentrys/": _plugin_job,
    "processing/pluginresultannotations/": _plugin_result_annotation,
    "processing/pluginresultbitmaps/": _plugin_result_bitmap,
}


@pytest.mark.parametrize("route", list(LISTS))
def test_a_list_costs_the_same_queries_for_3_and_30_rows(
    route, cast, client_for, box_type, django_assert_num_queries
):
    world, build = World(cast, box_type), LISTS[route]
    client = client_for(cast.member)
    url = f"/api/v1/{route}{'&' if '?' in route else '?'}limit=100"
    for _ in range(3):
        build(world)
    with CaptureQueriesContext(connection) as few:
        small = client.get(url)
    assert small.status_code == 200
    for _ in range(27):
        build(world)
    with django_assert_num_queries(len(few.captured_queries)):
        large = client.get(url)
    assert large.json()["count"] >= small.json()["count"] + 27
