from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "edugov.metrics"
    label = "metrics"
    verbose_name = "数据中心"
