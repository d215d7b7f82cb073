from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lamella.web"
    label = "web"
