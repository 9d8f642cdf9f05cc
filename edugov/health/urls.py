from django.urls import path

from edugov.health import views

app_name = "health"
urlpatterns = [
    path("", views.office, name="office"),
    path("errors/<slug:token>.xlsx", views.error_workbook, name="error_workbook"),
    path("results/", views.results, name="results"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/move/", views.follow_up_move, name="follow_up_move"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("students/<int:pk>/", views.student_report, name="student_report"),
    path("students/<int:pk>/letter/", views.parent_letter, name="parent_letter"),
    path("my-children/", views.my_children, name="my_children"),
]
