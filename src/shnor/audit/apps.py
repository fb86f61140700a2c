from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "shnor.audit"
    label = "audit"
    verbose_name = "Журнал изменений"

    def ready(self) -> None:
        from shnor.audit import versioning

        versioning.connect()
