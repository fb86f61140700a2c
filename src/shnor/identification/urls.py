from django.urls import path

from shnor.identification import views

app_name = "identification"

urlpatterns = [
    path("", views.run_list, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("runs/<int:pk>/reviewed/", views.run_reviewed, name="run-reviewed"),
    path("runs/<int:pk>/export.csv", views.run_export, {"fmt": "csv"}, name="run-csv"),
    path("runs/<int:pk>/export.xlsx", views.run_export, {"fmt": "xlsx"}, name="run-xlsx"),
    path("runs/<int:pk>/chart/", views.run_scatter, name="run-chart"),
    path("runs/<int:pk>/schools/<int:school>/", views.school_card, name="school"),
    path("runs/<int:pk>/signs/<int:sign>/review/", views.review, name="review"),
    path("runs/<int:pk>/list/", views.run_list_page, name="list"),
    path("runs/<int:pk>/sensitivity/", views.run_sensitivity, name="sensitivity"),
    path("compare/", views.run_compare, name="compare"),
    path("documents/<int:pk>/", views.document_download, name="document"),
]
