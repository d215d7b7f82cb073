"""The one task the queue knows: run a Job row by id. The engine is a setting (TASKS)."""

from django_tasks import task

from lamella.jobs import services


@task()
def run_job(job_id: int) -> None:
    """Run the Job ``job_id``; the service records running, progress and the outcome."""
    services.execute_job(job_id)
