from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Tiles, uploads and EXACT's legacy image routes first: their api/v1/images/images/<id>/…
    # paths must win over the REST API router's.
    path("", include("lamella.tiles.urls")),
    path("", include("lamella.images.urls")),
    path("", include("lamella.images.legacy_urls")),
    path("", include("lamella.legacy.urls")),
    path("", include("lamella.annotations.transfer_api")),  # import, export, set zip
    path("", include("lamella.annotations.events_urls")),  # live events (SSE)
    path("api/", include("lamella.api.router")),
    path("", include("lamella.web.urls")),
]
