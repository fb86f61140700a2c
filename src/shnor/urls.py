from django.contrib import admin
from django.urls import include, path

from shnor.accounts.forms import ThrottledAdminAuthenticationForm
from shnor.api.app import api
from shnor.risks.urls import public_urlpatterns as public_questionnaires

admin.site.site_header = "shnor — администрирование"
admin.site.site_title = "shnor"
admin.site.login_form = ThrottledAdminAuthenticationForm  # the same throttle as the sign-in page

urlpatterns = [
    path("", include("shnor.web.urls")),
    path("accounts/", include("shnor.accounts.urls")),
    path("registry/", include("shnor.registry.urls")),
    path("audit/", include("shnor.audit.urls")),
    path("data/", include("shnor.datasets.urls")),
    path("identification/", include("shnor.identification.urls")),
    path("risks/", include("shnor.risks.urls")),
    path("programmes/", include("shnor.programmes.urls")),
    path("support/", include("shnor.support.urls")),
    path("teachers/", include("shnor.staff.urls")),
    path("cycle/", include("shnor.cycle.urls")),
    path("q/", include((public_questionnaires, "questionnaire"))),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "shnor.web.errors.forbidden"
handler404 = "shnor.web.errors.not_found"
handler500 = "shnor.web.errors.server_error"
