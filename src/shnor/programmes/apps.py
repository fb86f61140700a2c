from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "shnor.programmes"
    label = "programmes"
    verbose_name = "Программы и мониторинг"

    def ready(self) -> None:
        from shnor.audit.tracking import track
        from shnor.programmes import models, scopes  # noqa: F401  (registers scope rules)

        # Programmes are written by people: every change of one or of its parts is journalled
        # (a transition's own row is the Transition log and the programme's audit entry).
        for model in (models.Programme, models.Indicator, models.Activity, models.Evidence, models.Wave):
            track(model)
