from django.apps import AppConfig


class CycleConfig(AppConfig):
    name = "shnor.cycle"
    label = "cycle"
    verbose_name = "Управленческий цикл"
