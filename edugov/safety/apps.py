from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "edugov.safety"
    label = "safety"
    verbose_name = "校园安全"
