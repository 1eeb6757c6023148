import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_signup_creates_the_account_and_logs_in(client, django_user_model):
    response = client.post(
        "/accounts/signup/",
        {"username": "ana", "password1": "a-long-passphrase-1", "password2": "a-long-passphrase-1"},
    )

    assert response.status_code == 302
    assert django_user_model.objects.filter(username="ana").exists()
    assert client.get("/").context["user"].username == "ana"


def test_signup_applies_password_rules_and_says_why(client, django_user_model):
    response = client.post("/accounts/signup/", {"username": "ana", "password1": "12345", "password2": "12345"})

    assert response.status_code == 200
    assert b"This password is too short" in response.content
    assert b"entirely numeric" in response.content
    assert not django_user_model.objects.exists()


def test_signup_ignores_an_offsite_next_url(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "ana",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
            "next": "https://evil.example/",
        },
    )

    assert response.url == "/"


def test_login_and_logout(client, django_user_model):
    django_user_model.objects.create_user("ana", password="a-long-passphrase-1")

    logged_in = client.post("/accounts/login/", {"username": "ana", "password": "a-long-passphrase-1"})
    logged_out = client.post("/accounts/logout/")

    assert logged_in.status_code == 302
    assert logged_out.status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_login_with_a_wrong_password_says_so(client, django_user_model):
    django_user_model.objects.create_user("ana", password="a-long-passphrase-1")

    response = client.post("/accounts/login/", {"username": "ana", "password": "wrong"})

    assert b"Please enter a correct username and password" in response.content


def test_forms_require_the_csrf_token():
    strict = Client(enforce_csrf_checks=True)

    response = strict.post("/accounts/signup/", {"username": "ana"})

    assert response.status_code == 403
