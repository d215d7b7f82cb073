from django.apps import AppConfig


class LegacyConfig(AppConfig):
    name = "lamella.legacy"
    label = "legacy"
    verbose_name = "EXACT legacy routes"
