from django.urls import path

from shnor.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_new, name="new"),
    path("exit/", views.exit_page, name="exit"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/edit/", views.programme_edit, name="edit"),
    path("<int:pk>/transition/", views.programme_transition, name="transition"),
    path("<int:pk>/anti-risk/", views.anti_risk_new, name="anti-risk"),
    path("<int:pk>/steps/<int:index>/", views.step_toggle, name="step"),
    path("<int:pk>/activities/<int:activity>/", views.activity_update, name="activity"),
    path("<int:pk>/activities/<int:activity>/evidence/", views.evidence_add, name="evidence"),
    path("<int:pk>/evidence/<int:evidence>/", views.evidence_download, name="evidence-file"),
    path("<int:pk>/indicators/<int:indicator>/", views.indicator_update, name="indicator"),
    path("<int:pk>/waves/", views.waves, name="waves"),
]
