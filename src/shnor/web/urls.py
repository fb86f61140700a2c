from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from shnor.web import metrics, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/serving", views.serving, name="serving"),
    path("metrics", metrics.view, name="metrics"),
    # Browsers ask for it on pages without an icon link (the admin site's): no 404 in their consoles.
    path("favicon.ico", RedirectView.as_view(url=static("shnor/favicon.svg"), permanent=True), name="favicon"),
]
