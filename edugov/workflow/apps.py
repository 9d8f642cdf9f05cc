from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "edugov.workflow"
    label = "workflow"
    verbose_name = "业务流程"
