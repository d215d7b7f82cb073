"""Resumable uploads (tus 1.0) at ``/api/v1/uploads/``, mounted before the REST API router."""

from django.urls import re_path

from lamella.images import views

urlpatterns = [
    re_path(r"^api/v1/uploads/?$", views.upload_collection, name="uploads"),
    re_path(r"^api/v1/uploads/(?P<upload_id>[0-9a-f]{32})/?$", views.upload_detail, name="upload"),
]
