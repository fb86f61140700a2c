from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "shnor.records"
    label = "records"
    verbose_name = "Решения и документы"

    def ready(self) -> None:
        from shnor.audit.tracking import track
        from shnor.records import models

        track(models.Decision)
        track(models.Document)  # a generated order, report or letter: who made it and when
