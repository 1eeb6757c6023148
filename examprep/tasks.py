from celery import shared_task


@shared_task(name="examprep.check_health")
def check_health(token: str) -> str:
    """Echo a token back, proving a worker picked the task up and answered."""
    return f"ok:{token}"
