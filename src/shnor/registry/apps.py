from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "shnor.registry"
    label = "registry"
    verbose_name = "Реестр"

    def ready(self) -> None:
        from shnor.audit.tracking import track
        from shnor.registry import models, scopes  # noqa: F401  (registers scope rules)

        for model in (
            models.Region,
            models.Municipality,
            models.School,
            models.InfrastructureBody,
            models.Person,
            models.BodyMembership,
        ):
            track(model)
