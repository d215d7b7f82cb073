from django.apps import AppConfig


class TilesConfig(AppConfig):
    name = "lamella.tiles"
    label = "tiles"
    verbose_name = "Tiles"
