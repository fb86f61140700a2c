from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shnor.web"
    label = "web"
    verbose_name = "Веб-интерфейс"
