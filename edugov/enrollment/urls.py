from django.urls import path

from edugov.enrollment import views

app_name = "enrollment"
urlpatterns = [
    path("", views.my_applications, name="my_applications"),
    path("applications/<int:pk>/claim/<int:places_pk>/", views.claim_place, name="claim_place"),
]
