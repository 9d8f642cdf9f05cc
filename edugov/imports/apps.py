from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "edugov.imports"
    label = "imports"
    verbose_name = "数据导入导出"
