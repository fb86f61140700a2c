from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "shnor.staff"
    label = "staff"
    verbose_name = "Педагоги"

    def ready(self) -> None:
        # Imports write teachers, staff, diagnostics and courses in bulk (no signals) and are journalled
        # once per import run (shnor.datasets.services); what a person enters or edits here, by the
        # page or the API, is journalled row by row, as are the catalogue and the routes.
        from shnor.audit.tracking import track
        from shnor.staff import models, scopes  # noqa: F401  (registers scope rules)

        for model in (
            models.Offer,
            models.Route,
            models.RouteItem,
            models.Teacher,
            models.StaffMember,
            models.Diagnostic,
            models.Course,
        ):
            track(model)
