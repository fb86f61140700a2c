from django.apps import AppConfig


class IdentificationConfig(AppConfig):
    name = "shnor.identification"
    label = "identification"
    verbose_name = "Идентификация"

    def ready(self) -> None:
        from shnor.identification import scopes  # noqa: F401  (registers scope rules)
