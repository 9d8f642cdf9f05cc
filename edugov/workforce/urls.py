from django.urls import path

from edugov.workforce import views

app_name = "workforce"
urlpatterns = [
    path("", views.office, name="office"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/action/", views.plan_action, name="plan_action"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("conduct/", views.conduct_list, name="conduct_list"),
    path("training/", views.training, name="training"),
    path("schools/<int:pk>/", views.school, name="school"),
    path("proposals/<int:pk>/respond/", views.proposal_respond, name="proposal_respond"),
    path("me/", views.me, name="me"),
]
