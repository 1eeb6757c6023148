"""A URL configuration without the sandbox demo page."""

urlpatterns: list = []
