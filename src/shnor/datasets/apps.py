from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "shnor.datasets"
    label = "datasets"
    verbose_name = "Данные и загрузки"

    def ready(self) -> None:
        from shnor.audit.tracking import track
        from shnor.datasets import models, scopes  # noqa: F401  (registers scope rules)

        # School-level data rows arrive through imports, audited once per run; mappings are edited by people.
        track(models.ColumnMapping)
