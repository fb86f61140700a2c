from django.urls import path

from shnor.risks import views

app_name = "risks"

urlpatterns = [
    path("", views.regional, name="regional"),
    path("schools/<int:school>/<int:year>/", views.school_profile, name="profile"),
    path("schools/<int:school>/<int:year>/profile.docx", views.profile_document, {"fmt": "docx"}, name="docx"),
    path("schools/<int:school>/<int:year>/profile.pdf", views.profile_document, {"fmt": "pdf"}, name="pdf"),
    path("schools/<int:school>/<int:year>/questionnaires/", views.questionnaires, name="questionnaires"),
    path("questionnaires/<int:pk>/close/", views.close_questionnaire, name="close"),
]

public_urlpatterns = [path("<str:token>/", views.answer, name="answer")]
