from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "shnor.staff"
    label = "staff"
    verbose_name = "Педагоги"

    def ready(self) -> None:
        # Rows arrive only through imports, which are audited once per import run
        # (shnor.datasets.services); per-row signals would flood the journal.
        from shnor.staff import scopes  # noqa: F401  (registers scope rules)
