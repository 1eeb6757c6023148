import pytest

from quizzes.tests.factories import make_question, make_user


@pytest.fixture
def bank(db):
    """Twelve live questions: six in topic alpha (two multiple response), six in beta."""
    questions = [make_question(f"alpha-{i:02d}", "alpha", correct=(i % 4,)) for i in range(4)]
    questions += [make_question(f"alpha-{i:02d}", "alpha", correct=(0, 2), options=5) for i in range(4, 6)]
    questions += [make_question(f"beta-{i:02d}", "beta", correct=((i + 1) % 4,), skill="1.2.3") for i in range(6)]
    return questions


@pytest.fixture
def student(db):
    return make_user("student")


@pytest.fixture
def other(db):
    return make_user("other")


@pytest.fixture
def student_client(client, student):
    client.force_login(student)
    return client
