from django.apps import AppConfig


class CycleConfig(AppConfig):
    name = "shnor.cycle"
    label = "cycle"
    verbose_name = "Управленческий цикл"

    def ready(self) -> None:
        from shnor.audit.tracking import track
        from shnor.cycle import models, scopes  # noqa: F401  (registers scope rules)

        for model in (
            models.Goal,
            models.Target,
            models.Conclusion,
            models.Recommendation,
            models.Measure,
            models.Meeting,
            models.AgendaItem,
        ):
            track(model)
