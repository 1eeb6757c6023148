import pytest

from lessons.models import Lesson, LessonProgress
from lessons.tests.factories import make_lessons

pytestmark = pytest.mark.django_db


@pytest.fixture
def lessons(tmp_path):
    make_lessons(tmp_path, count=3)
    return list(Lesson.objects.all())


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana", password="a-long-passphrase-1")


@pytest.fixture
def ben(django_user_model):
    return django_user_model.objects.create_user("ben", password="a-long-passphrase-2")


def test_lesson_list_is_public_and_grouped(client, lessons):
    response = client.get("/lessons/")

    assert response.status_code == 200
    assert b"Foundations" in response.content
    assert b"Lesson number 3" in response.content


def test_lesson_detail_shows_toc_pager_try_it_and_practice(client, lessons):
    response = client.get("/lessons/lesson-2/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#cold-starts-and-init"' in html
    assert 'href="/lessons/lesson-1/"' in html and 'href="/lessons/lesson-3/"' in html
    assert 'href="/sandbox/presets/lesson-2/"' in html
    assert 'href="/practice/drill/lesson-2/"' in html


def test_lesson_detail_unknown_slug_is_404(client, lessons):
    assert client.get("/lessons/no-such-lesson/").status_code == 404


def test_lesson_detail_records_the_visit_for_the_owner(client, lessons, ana):
    client.force_login(ana)

    client.get("/lessons/lesson-2/")

    assert LessonProgress.objects.get(user=ana).lesson.slug == "lesson-2"


def test_lesson_study_marks_studied_with_a_partial(client, lessons, ana):
    client.force_login(ana)

    response = client.post("/lessons/lesson-1/studied/", {"studied": "1"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert b'id="study-toggle"' in response.content
    assert b"<html" not in response.content
    assert LessonProgress.objects.get(user=ana, lesson__slug="lesson-1").studied


def test_lesson_study_can_be_undone(client, lessons, ana):
    client.force_login(ana)
    client.post("/lessons/lesson-1/studied/", {"studied": "1"})

    client.post("/lessons/lesson-1/studied/", {"studied": "0"})

    assert not LessonProgress.objects.get(user=ana, lesson__slug="lesson-1").studied


def test_lesson_study_anonymous_is_sent_to_login_and_saves_nothing(client, lessons):
    response = client.post("/lessons/lesson-1/studied/", {"studied": "1"}, headers={"HX-Request": "true"})

    assert response.headers["HX-Redirect"] == "/accounts/login/?next=/lessons/lesson-1/"
    assert LessonProgress.objects.count() == 0


def test_lesson_study_rejects_get(client, lessons, ana):
    client.force_login(ana)

    assert client.get("/lessons/lesson-1/studied/").status_code == 405


def test_progress_detail_owner_sees_own_progress(client, lessons, ana):
    client.force_login(ana)
    client.post("/lessons/lesson-1/studied/", {"studied": "1"})

    response = client.get("/lessons/progress/")

    assert response.status_code == 200
    assert b"You have studied <strong>1</strong> of 3" in response.content


def test_progress_detail_other_user_sees_none_of_the_owners(client, lessons, ana, ben):
    client.force_login(ana)
    client.post("/lessons/lesson-1/studied/", {"studied": "1"})
    client.force_login(ben)

    response = client.get("/lessons/progress/")

    assert b"You have studied <strong>0</strong> of 3" in response.content


def test_progress_detail_anonymous_redirects_to_login(client, lessons):
    response = client.get("/lessons/progress/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_lesson_search_highlights_the_matching_passage(client, lessons):
    response = client.get("/lessons/search/", {"q": "execution environment"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>execution</mark> <mark>environment</mark>" in html
    assert 'href="/lessons/lesson-1/#cold-starts-and-init"' in html


def test_lesson_search_htmx_returns_only_results(client, lessons):
    response = client.get("/lessons/search/", {"q": "visibility"}, headers={"HX-Request": "true"})

    assert b'id="search-results"' in response.content
    assert b"<html" not in response.content
    assert b"<mark>visibility</mark>" in response.content


def test_lesson_search_escapes_the_query(client, lessons):
    response = client.get("/lessons/search/", {"q": "<script>alert(1)</script>"})

    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;" in response.content


def test_home_dashboard_shows_progress_and_continue(client, lessons, ana):
    client.force_login(ana)
    client.get("/lessons/lesson-2/")
    client.post("/lessons/lesson-1/studied/", {"studied": "1"})

    response = client.get("/")

    html = response.content.decode()
    assert '1 <span class="muted">of 3</span>' in html
    assert "Continue where you left off" in html
    assert 'class="button" href="/lessons/lesson-2/">Lesson number 2</a>' in html
