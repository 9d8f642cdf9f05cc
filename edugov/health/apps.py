from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "edugov.health"
    label = "health"
    verbose_name = "学生健康"
