from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "shnor.risks"
    label = "risks"
    verbose_name = "Рисковые профили"

    def ready(self) -> None:
        from shnor.risks import scopes  # noqa: F401  (registers scope rules)
