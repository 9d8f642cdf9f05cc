from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "edugov.registry"
    label = "registry"
    verbose_name = "基础数据"
