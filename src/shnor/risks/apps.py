from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "shnor.risks"
    label = "risks"
    verbose_name = "Рисковые профили"

    def ready(self) -> None:
        from shnor.audit.tracking import track
        from shnor.risks import models, scopes  # noqa: F401  (registers scope rules)

        # Links are issued and closed by people. Answers are anonymous (not journalled: the journal
        # would tie them to a time); profiles are computed and journalled once per build.
        track(models.QuestionnaireLink)
