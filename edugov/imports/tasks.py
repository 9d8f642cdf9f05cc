"""Background steps of a web import job (django-tasks; `edugov db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task

from edugov.imports import services


@task()
def validate_import(job_id: int) -> str:
    return services.validate_job(job_id=job_id).status


@task()
def run_import(job_id: int) -> str:
    return services.execute_job(job_id=job_id).status
