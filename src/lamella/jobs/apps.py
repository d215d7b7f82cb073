from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "lamella.jobs"
    label = "jobs"
