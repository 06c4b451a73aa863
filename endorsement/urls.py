"""URLs (filled by the app)."""

urlpatterns: list = []
