from django.urls import path

from quizzes import views

app_name = "quizzes"
urlpatterns = [
    path("", views.practice_home, name="practice-home"),
    path("drill/<slug:topic>/", views.drill_start, name="drill-start"),
    path("tests/<slug:mode>/start/", views.test_start, name="test-start"),
    path("review/", views.review_start, name="review-start"),
    path("history/", views.attempt_history, name="attempt-history"),
    path("settings/", views.preference_update, name="preference-update"),
    path("staff/items/", views.item_statistics, name="item-statistics"),
    path("questions/<slug:key>/report/", views.question_report, name="question-report"),
    # One attempt, by UUID; another user or an anonymous visitor gets 404.
    path("attempts/<uuid:uuid>/", views.attempt_resume, name="attempt-resume"),
    path("attempts/<uuid:uuid>/q/<int:position>/", views.item_detail, name="item-detail"),
    path("attempts/<uuid:uuid>/q/<int:position>/answer/", views.item_answer, name="item-answer"),
    path("attempts/<uuid:uuid>/q/<int:position>/flag/", views.item_flag, name="item-flag"),
    path("attempts/<uuid:uuid>/q/<int:position>/check/", views.item_check, name="item-check"),
    path("attempts/<uuid:uuid>/q/<int:position>/grade/", views.item_grade, name="item-grade"),
    path("attempts/<uuid:uuid>/review/", views.attempt_review, name="attempt-review"),
    path("attempts/<uuid:uuid>/submit/", views.attempt_submit, name="attempt-submit"),
    path("attempts/<uuid:uuid>/results/", views.attempt_results, name="attempt-results"),
]
