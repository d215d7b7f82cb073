from django.contrib.auth.views import LogoutView
from django.urls import path

from lamella.web import views, views_viewer

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/login/", views.LamellaLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/register/", views.register, name="register"),
    path("images/<int:image_id>/view/", views_viewer.viewer, name="viewer"),
]
