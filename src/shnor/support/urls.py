from django.urls import path

from shnor.support import views

app_name = "support"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("curators/", views.curator_list, name="curators"),
    path("curators/refresh/", views.curator_refresh, name="curators-refresh"),
    path("curators/tutors/", views.tutor_add, name="tutor-add"),
    path("curators/<int:pk>/", views.curator_detail, name="curator"),
    path("matching/", views.matching, name="matching"),
    path("matching/run/", views.matching_run, name="matching-run"),
    path("matching/rules/", views.matching_rule, name="matching-rule"),
    path("matching/<int:pk>/approve/", views.matching_approve, name="matching-approve"),
    path("matching/<int:pk>/xlsx/", views.matching_export, name="matching-export"),
    path("pairs/<int:pk>/", views.pair_detail, name="pair"),
    path("pairs/<int:pk>/consultations/", views.consultation_add, name="consultation-add"),
    path("consultations/<int:pk>/feedback/", views.feedback_add, name="feedback"),
    path("consultations/<int:pk>/file/", views.consultation_file, name="consultation-file"),
    path("pairs/<int:pk>/agreements/", views.agreement_add, name="agreement-add"),
    path("pairs/<int:pk>/form/", views.pair_form, name="pair-form"),
    path("agreements/<int:pk>/download/", views.agreement_download, name="agreement"),
    path("agreements/<int:pk>/pdf/", views.agreement_download, {"fmt": "pdf"}, name="agreement-pdf"),
    path("events/", views.event_list, name="events"),
    path("practices/", views.practice_list, name="practices"),
    path("practices/<int:pk>/publish/", views.practice_publish, name="practice-publish"),
    path("map/", views.infrastructure_map, name="map"),
]
