from django.apps import AppConfig


class WorkflowTestAppConfig(AppConfig):
    """A concrete workflow item for testing the shared mechanism (installed only in tests)."""

    name = "tests.workflow_testapp"
    label = "workflow_testapp"
