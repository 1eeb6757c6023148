from django.urls import path

from lessons import views

app_name = "lessons"
urlpatterns = [
    path("", views.lesson_list, name="lesson-list"),
    path("search/", views.lesson_search, name="lesson-search"),
    path("progress/", views.progress_detail, name="progress-detail"),
    path("<slug:slug>/", views.lesson_detail, name="lesson-detail"),
    path("<slug:slug>/studied/", views.lesson_study, name="lesson-study"),
]
