"""Log-in and sign-up limits: per account (django-axes) and per client address (django-ratelimit)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from examprep.tests.limits import clear_rate_limits

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase-1"


@pytest.fixture(autouse=True)
def fresh_counters(redis_url):
    clear_rate_limits()
    yield
    clear_rate_limits()


def log_in(client, username: str, password: str, address: str = "198.51.100.7"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def sign_up(client, username: str, address: str = "198.51.100.7", **headers):
    data = {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", data, REMOTE_ADDR=address, **headers)


def test_password_guessing_pauses_the_account_and_says_why(client):
    get_user_model().objects.create_user("ana", password=PASSWORD)
    for _ in range(4):
        assert log_in(client, "ana", "guess").status_code == 200
    assert log_in(client, "ana", "guess").status_code == 429  # the fifth failure

    response = log_in(client, "ana", PASSWORD)

    assert response.status_code == 429
    assert b"Log-in paused for this account" in response.content
    assert b"ends by itself 15 minutes after the last failed attempt" in response.content
    assert not client.get("/").context["user"].is_authenticated


def test_account_pause_expires_by_itself(client):
    get_user_model().objects.create_user("ana", password=PASSWORD)
    for _ in range(5):
        log_in(client, "ana", "guess")

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = log_in(client, "ana", PASSWORD)

    assert response.status_code == 302


def test_a_paused_account_does_not_pause_others_on_the_same_address(client):
    get_user_model().objects.create_user("ana", password=PASSWORD)
    get_user_model().objects.create_user("ben", password=PASSWORD)
    for _ in range(5):
        log_in(client, "ana", "guess")

    assert log_in(client, "ben", PASSWORD).status_code == 302


def test_log_in_attempts_per_address_are_capped(client, settings):
    settings.LOGIN_RATE_PER_IP = "3/10m"
    for number in range(3):
        assert log_in(client, f"nobody{number}", "guess").status_code == 200

    refused = log_in(client, "nobody9", "guess")
    other_address = log_in(client, "nobody9", "guess", address="203.0.113.9")

    assert refused.status_code == 429
    assert b"Too many log-in attempts came from your network" in refused.content
    assert b"10 minutes" in refused.content
    assert other_address.status_code == 200


def test_sign_up_flood_from_one_address_is_refused_without_creating_accounts(client, settings):
    settings.SIGNUP_RATE_PER_IP = "3/h"
    for number in range(3):
        assert sign_up(client, f"flood{number}").status_code == 302
        client.post("/accounts/logout/")

    refused = sign_up(client, "flood3")
    elsewhere = sign_up(client, "student", address="203.0.113.9")

    assert refused.status_code == 429
    assert b"Too many sign-ups came from your network" in refused.content
    assert not get_user_model().objects.filter(username="flood3").exists()
    assert elsewhere.status_code == 302


def test_sign_up_limit_expires_with_its_window(client, settings):
    settings.SIGNUP_RATE_PER_IP = "1/h"
    sign_up(client, "first")
    client.post("/accounts/logout/")
    assert sign_up(client, "second").status_code == 429

    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        response = sign_up(client, "second")

    assert response.status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_counted(client, settings):
    settings.SIGNUP_RATE_PER_IP = "1/h"
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    sign_up(client, "first", address="127.0.0.1", HTTP_X_REAL_IP="198.51.100.1")
    client.post("/accounts/logout/")

    same_proxy_other_student = sign_up(client, "second", address="127.0.0.1", HTTP_X_REAL_IP="198.51.100.2")

    assert same_proxy_other_student.status_code == 302


def test_log_in_without_a_request_still_works_for_scripts_and_tests(client):
    get_user_model().objects.create_user("ana", password=PASSWORD)

    assert client.login(username="ana", password=PASSWORD)


def test_the_admin_log_in_goes_through_the_throttled_log_in(client, settings):
    settings.LOGIN_RATE_PER_IP = "3/10m"
    for number in range(3):
        log_in(client, f"nobody{number}", "guess")

    page = client.get("/admin/login/?next=/admin/")
    posted = client.post("/admin/login/", {"username": "nobody9", "password": "guess"}, REMOTE_ADDR="198.51.100.7")
    through_the_site = log_in(client, "nobody9", "guess")

    assert page.status_code == 302 and page["Location"] == "/accounts/login/?next=/admin/"
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
    assert through_the_site.status_code == 429
