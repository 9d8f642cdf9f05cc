from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "edugov.workforce"
    label = "workforce"
    verbose_name = "教师队伍"
