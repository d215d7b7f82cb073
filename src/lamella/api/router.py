"""One router mounts every app's API at ``/api/v1/``, slash or no slash.

exact-sync calls some routes without the trailing slash (``…/get_patch``); serving both forms
avoids a redirect that would turn a POST into a GET.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from lamella.accounts import api as accounts_api
from lamella.accounts.api import TokenLoginView, TokenLogoutView
from lamella.annotations import api as annotations_api
from lamella.annotations.api.density import AnnotationDensityView
from lamella.annotations.api.stream import AnnotationStreamView
from lamella.images import api as images_api
from lamella.jobs import api as jobs_api


class OptionalSlashRouter(DefaultRouter):
    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


router = OptionalSlashRouter()
for routes in (accounts_api.ROUTES, images_api.ROUTES, annotations_api.ROUTES, jobs_api.ROUTES):
    for prefix, viewset, basename in routes:
        router.register(prefix, viewset, basename=basename)

app_name = "api"
urlpatterns = [
    re_path(r"^v1/openapi/?$", SpectacularAPIView.as_view(), name="openapi"),
    re_path(r"^auth/token/login/?$", TokenLoginView.as_view(), name="token-login"),
    re_path(r"^auth/token/logout/?$", TokenLogoutView.as_view(), name="token-logout"),
    # Before the router, whose detail route would read "stream" as an annotation id.
    re_path(
        r"^v1/annotations/annotations/stream/?$",
        AnnotationStreamView.as_view(),
        name="annotation-stream",
    ),
    re_path(
        r"^v1/annotations/annotations/density/?$",
        AnnotationDensityView.as_view(),
        name="annotation-density",
    ),
    path("v1/", include(router.urls)),
]
