from django.urls import path

from sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("", views.sandbox_home, name="sandbox-home"),
    path("presets/<slug:name>/", views.preset_detail, name="preset-detail"),
]
