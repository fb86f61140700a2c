from django.urls import path

from shnor.cycle import views

app_name = "cycle"
urlpatterns = [
    path("", views.cyclogram, name="cyclogram"),
    path("goals/", views.goals, name="goals"),
    path("analysis/", views.analysis, name="analysis"),
    path("recommendations/", views.recommendations, name="recommendations"),
    path("recommendations/<int:pk>/", views.recommendation, name="recommendation"),
    path("measures/", views.measures, name="measures"),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("effect/", views.effect, name="effect"),
    path("effect/report/", views.effect_report, name="effect-report"),
    path("evidence/", views.evidence_pack, name="evidence"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("documents/<int:pk>/pdf/", views.document, {"fmt": "pdf"}, name="document-pdf"),
    path("monitoring/", views.monitoring, name="monitoring"),
    path("monitoring/municipalities.xlsx", views.monitoring_export, name="monitoring-xlsx"),
    path("indicators/", views.dashboard, name="indicators"),
    path("indicators/<str:code>/", views.detail, name="indicator"),
]
