from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "lamella.annotations"
    label = "annotations"
