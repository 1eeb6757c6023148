"""/health/ names what an operator must fix: database, broker, worker, sandbox daemon."""

import pytest

pytestmark = pytest.mark.django_db


def test_health_is_ok_with_broker_worker_and_daemon(client, celery_worker):
    from sandbox.runtime.client import ensure_daemon, socket_path

    ensure_daemon(socket_path())

    response = client.get("/health/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["worker"]["workers"] >= 1


def test_health_is_503_and_names_the_broker_when_redis_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["broker"] == {"ok": False, "error": "no answer from the Redis broker (ConnectionError)"}
    assert body["checks"]["database"] == {"ok": True}


def test_health_reports_a_missing_worker_and_daemon_as_degraded(client, redis_url, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("SANDBOX_SOCKET", str(tmp_path / "nobody.sock"))
    settings.CELERY_BROKER_URL = redis_url.rsplit("/", 1)[0] + "/14"  # the same Redis, where no worker listens

    response = client.get("/health/")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["sandbox"] == {"ok": False, "error": "the sandbox daemon does not answer on its socket"}
    assert body["checks"]["worker"]["error"] == "no Celery worker answered a ping"
