from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from examprep import accounts, views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("health/", views.health, name="health"),
    path("health/bare/", views.bare, name="bare"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("lessons/", include("lessons.urls")),
    path("practice/", include("quizzes.urls")),
    path("sandbox/", include("sandbox.urls")),
    # Staff log in through the same throttled log-in as everyone, then come back to the admin.
    path("admin/login/", accounts.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
]
