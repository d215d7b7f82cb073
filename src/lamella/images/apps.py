from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "lamella.images"
    label = "images"
