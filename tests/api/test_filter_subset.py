"""Filter sets build only the filters a request names, with the same results and errors."""

from lamella.annotations.api.filters import AnnotationFilter
from lamella.annotations.models import Annotation
from lamella.annotations.services import create_annotation
from tests.api.conftest import box

URL = "/api/v1/annotations/annotations/"


def test_only_the_named_filters_are_built():
    filterset = AnnotationFilter(
        data={"image": "1", "time__range": "a,b", "offset": "50"},
        queryset=Annotation.objects.all(),
    )
    # "time" stays too: a widget may read "time_<suffix>" keys, so prefixes are kept.
    assert set(filterset.filters) == {"image", "time", "time__range"}
    assert len(AnnotationFilter.base_filters) > 20  # the class keeps them all (for the schema)


def test_named_filters_still_filter_and_still_refuse_bad_values(cast, client_for, box_type):
    made = [
        create_annotation(user=cast.member, image=cast.image, annotation_type=box_type,
                          vector=box(), deleted=deleted)
        for deleted in (False, True, False)
    ]  # fmt: skip
    client = client_for(cast.member)
    ids = f"{made[0].pk},{made[1].pk}"
    rows = client.get(URL, {"id__in": ids, "deleted": "0", "limit": 10}).json()["results"]
    assert [row["id"] for row in rows] == [made[0].pk]
    time = made[2].time.strftime("%Y-%m-%dT%H:%M:%S.%f")
    after = client.get(URL, {"time__range": f"{time},{time}"}).json()["results"]
    assert [row["id"] for row in after] == [made[2].pk]
    bad = client.get(URL, {"deleted": "perhaps", "unrelated": "x"})
    assert bad.status_code == 400 and "deleted" in bad.json()["errors"]
