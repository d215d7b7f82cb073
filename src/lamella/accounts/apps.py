from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lamella.accounts"
    label = "accounts"
