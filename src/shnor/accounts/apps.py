from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shnor.accounts"
    label = "accounts"
    verbose_name = "Пользователи и роли"

    def ready(self) -> None:
        from shnor.accounts import models, scopes  # noqa: F401  (registers scope rules)
        from shnor.audit.tracking import track

        track(models.User)
        from shnor.accounts.services import connect_signals

        connect_signals()
