"""Times show in the zone the browser reports in the tz cookie; a bad cookie falls back to UTC."""

from datetime import UTC, datetime

import pytest

from examprep.middleware import zone_named
from quizzes.attempts import finalize
from quizzes.tests.factories import make_attempt, make_user

pytestmark = pytest.mark.django_db
SUBMITTED = datetime(2026, 6, 1, 12, 30, tzinfo=UTC)


@pytest.fixture
def results_path(client):
    ana = make_user("ana")
    attempt = make_attempt(ana, mode="quick")
    finalize(attempt.pk, "student", SUBMITTED)
    client.force_login(ana)
    return f"/practice/attempts/{attempt.uuid}/results/"


def test_results_show_the_submission_time_in_the_browsers_zone(client, results_path):
    client.cookies["tz"] = "Asia/Tokyo"

    html = client.get(results_path).content.decode()

    assert "01 Jun 2026 21:30 JST" in html


def test_without_a_zone_times_are_in_utc(client, results_path):
    assert "01 Jun 2026 12:30 UTC" in client.get(results_path).content.decode()


@pytest.mark.parametrize("name", ["Not/AZone", "../../etc/passwd", "x" * 100, "Europe/Paris; drop"])
def test_a_bad_zone_cookie_is_ignored(client, results_path, name):
    client.cookies["tz"] = name

    response = client.get(results_path)

    assert response.status_code == 200
    assert "12:30 UTC" in response.content.decode()
    assert zone_named(name) is None


def test_zone_named_accepts_iana_names():
    assert str(zone_named("America/Argentina/Buenos_Aires")) == "America/Argentina/Buenos_Aires"
    assert str(zone_named("UTC")) == "UTC"
