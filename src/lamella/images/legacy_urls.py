"""EXACT's non-API image routes that clients depend on (SlideRunner, ExactManager, exact-sync)."""

from django.urls import path

from lamella.images import views

urlpatterns = [
    path("images/image/upload/<int:image_set_id>/", views.legacy_upload, name="legacy-upload"),
    path("images/api/image/download/<int:image_id>/", views.download, name="legacy-download"),
    path("images/api/image/download/<int:image_id>", views.download),
]
