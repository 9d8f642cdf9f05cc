from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "edugov.safety"
    label = "safety"
    verbose_name = "校园安全"

    def ready(self) -> None:
        # The shared escalation (`edugov workflow_escalate` or services.escalate_overdue) only
        # moves items; the safety scenario must also raise the supervising level and notify
        # the next level. The history row it writes is the one hook that needs no change to
        # the shared workflow app, and it fires inside the escalation's transaction.
        from django.db.models.signals import post_save

        from edugov.workflow.models import StateChange

        post_save.connect(_on_state_change, sender=StateChange,
                          dispatch_uid="safety_on_escalation")


def _on_state_change(sender: type, instance: object, created: bool, **_: object) -> None:
    from edugov.safety import services
    from edugov.safety import workflow as wf
    from edugov.workflow.models import StateChange

    assert isinstance(instance, StateChange)
    escalation = instance.transition.startswith(wf.ESCALATE_PREFIX) or (
        instance.workflow == wf.INSPECTION.name and instance.transition == "miss")
    if created and escalation and instance.workflow in (wf.HAZARD.name, wf.INSPECTION.name):
        services.on_escalated(instance)
