from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "shnor.programmes"
    label = "programmes"
    verbose_name = "Программы и мониторинг"

    def ready(self) -> None:
        from shnor.programmes import scopes  # noqa: F401  (registers scope rules)
