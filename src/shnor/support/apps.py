from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "shnor.support"
    label = "support"
    verbose_name = "Сопровождение: кураторы и сетевое взаимодействие"

    def ready(self) -> None:
        from shnor.audit.tracking import track
        from shnor.support import models, scopes  # noqa: F401  (registers scope rules)

        for model in (
            models.Curator,
            models.Rule,
            models.Pairing,
            models.Agreement,
            models.Event,
            models.Practice,
            models.Consultation,
            models.Feedback,
            models.Proposal,
        ):
            track(model)
