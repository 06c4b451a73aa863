"""Root URLconf: each app's URLs under its prefix, Wagtail's page tree last."""

from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.urls import serve_pattern

from home import views as home_views

urlpatterns = [
    path("healthz", home_views.healthz, name="healthz"),
    path("accounts/privacy/", include("accounts.privacy_urls")),
    path("accounts/", include("accounts.urls")),
    path("collaboratives/", include("collaboratives.urls")),
    path("api/rooms/", include("collaboratives.api_urls")),
    path("events/", include("events.urls")),
    path("forums/", include("forums.urls")),
    path("endorsement/", include("endorsement.urls")),
    path("search/", include("resources.search_urls")),
    path("api/search/", include("resources.api_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Images only: documents are served by Wagtail's access-checked /documents/ view, so a
    # members-only document is never one guessable /media/ address away.
    for folder in ("images", "original_images"):
        urlpatterns += static(
            f"{settings.MEDIA_URL}{folder}/", document_root=settings.MEDIA_ROOT / folder
        )

if settings.BENCH_FLOOR:
    from home import bench_views

    urlpatterns += [path("bench/floor", bench_views.floor, name="bench-floor")]

# Pages: Wagtail's serve view behind a checked route cache (resources/routing.py); Wagtail's own
# pattern stays after it for its other URLs and for reversing page addresses.
urlpatterns += [
    re_path(serve_pattern, home_views.serve_page),
    path("", include(wagtail_urls)),
]
