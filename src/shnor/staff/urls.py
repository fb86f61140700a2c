from django.urls import path

from shnor.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.teacher_list, name="teachers"),
    path("<int:pk>/", views.teacher_detail, name="teacher"),
    path("<int:pk>/route/", views.route_propose, name="route-propose"),
    path("routes/<int:pk>/approve/", views.route_approve, name="route-approve"),
    path("items/<int:pk>/", views.item_status, name="item"),
    path("catalogue/", views.catalogue, name="catalogue"),
]
