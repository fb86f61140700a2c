from django.urls import path

from shnor.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.teacher_list, name="teachers"),
    path("staff/", views.staff_add, name="staff-add"),
    path("<int:pk>/", views.teacher_detail, name="teacher"),
    path("<int:pk>/route/", views.route_propose, name="route-propose"),
    path("<int:pk>/diagnostics/", views.diagnostics_add, name="diagnostics-add"),
    path("<int:pk>/courses/", views.course_add, name="course-add"),
    path("routes/<int:pk>/items/", views.item_add, name="item-add"),
    path("items/<int:pk>/remove/", views.item_remove, name="item-remove"),
    path("routes/<int:pk>/approve/", views.route_approve, name="route-approve"),
    path("items/<int:pk>/", views.item_status, name="item"),
    path("catalogue/", views.catalogue, name="catalogue"),
]
