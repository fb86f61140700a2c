from django.urls import path

from shnor.cycle import views

app_name = "cycle"
urlpatterns = [
    path("", views.cyclogram, name="cyclogram"),
    path("effect/", views.effect, name="effect"),
    path("indicators/", views.dashboard, name="indicators"),
    path("indicators/<str:code>/", views.detail, name="indicator"),
]
