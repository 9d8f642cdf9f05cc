from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "edugov.enrollment"
    label = "enrollment"
    verbose_name = "招生入学"
