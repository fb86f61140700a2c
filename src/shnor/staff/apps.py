from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "shnor.staff"
    label = "staff"
    verbose_name = "Педагоги"

    def ready(self) -> None:
        # Rows arrive only through imports, which are audited once per import run
        # (shnor.datasets.services); per-row signals would flood the journal.
        from shnor.audit.tracking import track
        from shnor.staff import models, scopes  # noqa: F401  (registers scope rules)

        # The catalogue and the routes are edited by people: every change is journalled.
        for model in (models.Offer, models.Route, models.RouteItem):
            track(model)
