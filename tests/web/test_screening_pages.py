"""Screening on pages: the image set page shows each image's screening progress to the user
who screens it, and nobody else; the viewer page carries the screening panel and its keys."""

from lamella.images import screening
from lamella.images.models import ScreeningMode
from tests import factories
from tests.conftest import Cast
from tests.images.test_screening import grid
from tests.web.test_pages_sets import logged_in


def test_the_set_page_shows_the_users_screening_progress_in_the_image_card(cast: Cast) -> None:
    tiles = grid(10, 8)
    screening.mark_screened(tiles, range(12))
    ScreeningMode.objects.create(
        image=cast.image, user=cast.member, screening_tiles=tiles, current_index=11
    )
    unscreened = factories.make_image(image_set=cast.image_set)
    body = logged_in(cast.member).get(f"/sets/{cast.image_set.pk}/").content.decode()
    card = body.split(f'data-image-id="{cast.image.pk}"')[1].split("</li>")[0]
    assert "screened 15 % · tile 12 / 80" in card
    other_card = body.split(f'data-image-id="{unscreened.pk}"')[1].split("</li>")[0]
    assert "screening-progress" not in other_card


def test_another_users_screening_is_not_shown_as_mine(cast: Cast) -> None:
    ScreeningMode.objects.create(image=cast.image, user=cast.owner, screening_tiles=grid(2, 2))
    body = logged_in(cast.member).get(f"/sets/{cast.image_set.pk}/").content.decode()
    assert "screening-progress" not in body


def test_the_viewer_page_has_the_screening_panel_and_lists_its_keys(cast: Cast) -> None:
    body = logged_in(cast.member).get(f"/images/{cast.image.pk}/view/").content.decode()
    assert 'data-role="screening-toggle"' in body
    assert 'data-role="screening-progress"' in body
    assert "look around without marking" in body
