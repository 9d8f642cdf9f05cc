from django.urls import path

from edugov.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/<slug:entity>.<slug:fmt>", views.export, name="export"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/status.json", views.job_status, name="job_status"),
    path("jobs/<int:pk>/confirm/", views.job_confirm, name="job_confirm"),
    path("jobs/<int:pk>/errors.xlsx", views.job_errors, name="job_errors"),
    path("<slug:entity>/", views.upload, name="upload"),
    path("<slug:entity>/template.xlsx", views.template, name="template"),
]
