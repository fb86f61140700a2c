from django.urls import path

from shnor.datasets import views

app_name = "datasets"

urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("imports/", views.run_list, name="runs"),
    path("imports/<int:pk>/", views.run_detail, name="run"),
    path("imports/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("imports/<int:pk>/start/", views.run_start, name="run-start"),
    path("imports/<int:pk>/use-mapping/", views.run_mapping, name="run-use-mapping"),
    path("imports/<int:pk>/read-options/", views.run_read_options, name="run-read-options"),
    path("imports/<int:pk>/mapping/", views.mapping_edit, name="run-mapping"),
    path("imports/<int:pk>/rollback/", views.run_rollback, name="run-rollback"),
    path("imports/<int:pk>/report.xlsx", views.run_report, name="run-report"),
    path("templates/<str:kind>.xlsx", views.template_download, name="template"),
    path("mappings/", views.mapping_list, name="mappings"),
    path("mappings/<str:name>.yaml", views.mapping_download, name="mapping-download"),
]
