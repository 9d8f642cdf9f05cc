from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "edugov.web"
    label = "web"
    verbose_name = "界面"
