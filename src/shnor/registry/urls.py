from django.urls import path

from shnor.registry import views

app_name = "registry"
urlpatterns = [
    path("schools/", views.school_list, name="schools"),
    path("schools/new/", views.school_edit, name="school-new"),
    path("schools/<int:pk>/", views.school_detail, name="school"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school-edit"),
    path("municipalities/", views.municipality_list, name="municipalities"),
    path("municipalities/new/", views.municipality_edit, name="municipality-new"),
    path("municipalities/<int:pk>/", views.municipality_detail, name="municipality"),
    path("municipalities/<int:pk>/edit/", views.municipality_edit, name="municipality-edit"),
    path("bodies/", views.body_list, name="bodies"),
    path("bodies/new/", views.body_edit, name="body-new"),
    path("bodies/<int:pk>/", views.body_detail, name="body"),
    path("bodies/<int:pk>/edit/", views.body_edit, name="body-edit"),
    path("people/", views.person_list, name="people"),
    path("people/new/", views.person_edit, name="person-new"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
]
