"""Wagtail's page routing, remembered between requests.

Wagtail finds the page for an address by walking the tree: the Site for the host name (one
query), the root page, then for each segment the child with that slug and its specific row (two
queries a level). A resource page paid six queries before any of its own
work. Here the answer is remembered in the cache (local memory by default, Redis at
scale) and checked, never trusted:

- the Site for a host name and port is kept for SITE_SECONDS, and all of them are forgotten on
  any Site save or delete (resources/apps.py connects forget_sites); at scale the cache is
  shared, and a process with a cache of its own catches up within SITE_SECONDS; it is used
  only beside a remembered address, and every miss looks it up again;
- an address maps to a page id and model; on use the page is loaded in one query and must still
  be live and still have that address (its url_path under the site's root), otherwise Wagtail
  routes the request as usual. A moved, renamed, unpublished or deleted page is never served
  from a stale entry, so pages need no invalidation at all, in any process.

Only plain page results are remembered. A routable page's own sub-views (a route with
arguments) always go through Wagtail. Access rules stay where they are: members-only pages
decide in serve(), view restrictions in Wagtail's hook, both of which still run on every request.
"""

import hashlib
import secrets

from django.apps import apps
from django.core.cache import cache
from django.http.request import split_domain_port
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult

SITE_SECONDS = 60
ROUTE_SECONDS = 24 * 3600
SITE_FIELDS = ("id", "hostname", "port", "site_name", "root_page_id", "is_default_site")


def _host(request) -> str:
    # The raw host, as Wagtail's own lookup uses it (ALLOWED_HOSTS was checked by then).
    return f"{split_domain_port(request._get_raw_host())[0]}:{request.get_port()}"


# A default site answers any host name, so the remembered hosts cannot be listed from the sites:
# each entry carries the generation it was made in, and a change starts a new one.
GENERATION_KEY = "wagtail-sites-generation"


def forget_sites(**kwargs) -> None:
    """Signal receiver for any Site save or delete."""
    cache.set(GENERATION_KEY, secrets.token_hex(8), None)


def _site_key(host: str) -> str:
    return f"wagtail-site:{host}"


def _route_key(host: str, path: str) -> str:
    # Addresses are slugs and slashes (Wagtail's URL pattern), but may be long: keys stay short.
    return "wagtail-route:" + hashlib.sha256(f"{host}/{path}".encode()).hexdigest()[:32]


def _remembered_site(
    request, host: str, remembered: dict | None, generation: str | None
) -> tuple[Site, str] | None:
    """The request's Site (set on the request where Wagtail looks for it) and its root page's
    url_path; from the cache when of this generation, else Wagtail's lookup, then remembered."""
    if remembered is not None and generation is not None and remembered["gen"] == generation:
        site = Site(**{name: remembered[name] for name in SITE_FIELDS})
        request._wagtail_site = site
        return site, remembered["root_url_path"]
    site = Site.find_for_request(request)
    if site is None:
        return None
    cache.add(GENERATION_KEY, secrets.token_hex(8), None)
    remembered = {name: getattr(site, name) for name in SITE_FIELDS}
    remembered["root_url_path"] = site.root_page.url_path
    remembered["gen"] = cache.get(GENERATION_KEY)
    cache.set(_site_key(host), remembered, SITE_SECONDS)
    return site, remembered["root_url_path"]


def _checked_page(remembered, url_path: str):
    """The remembered page, if it still exists, is live and still answers at this address."""
    try:
        page_id, model_label = remembered
        model = apps.get_model(model_label)
    except (TypeError, ValueError, LookupError):
        return None
    if not issubclass(model, Page):
        return None
    # No ordering: first() would order by pk, which costs a specific page's join twice over.
    found = list(model.objects.filter(pk=page_id).order_by()[:1])
    page = found[0] if found else None
    if page is None or not page.live or page.url_path != url_path:
        return None
    return page


def site_for_request(request) -> Site | None:
    """The request's Site, remembered, for views outside the page tree that build page URLs
    (search hits): set on the request where Wagtail's get_url looks for it."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    host = _host(request)
    remembered = cache.get_many((GENERATION_KEY, _site_key(host)))
    found = _remembered_site(
        request, host, remembered.get(_site_key(host)), remembered.get(GENERATION_KEY)
    )
    return found[0] if found else None


def route_request(request, path: str) -> None:
    """Settle which page serves `path` before Wagtail's serve view asks: from checked cache
    entries when there are both (the Site and the address), else by Wagtail's own lookup and
    routing, fresh from the database, remembering what they found."""
    host = _host(request)
    keys = (_site_key(host), _route_key(host, path))
    remembered = cache.get_many((GENERATION_KEY, *keys))
    site_entry, route_entry = remembered.get(keys[0]), remembered.get(keys[1])
    generation = remembered.get(GENERATION_KEY)
    if site_entry and route_entry and generation and site_entry["gen"] == generation:
        page = _checked_page(route_entry, _url_path(site_entry["root_url_path"], path))
        if page is not None:
            request._wagtail_site = Site(**{name: site_entry[name] for name in SITE_FIELDS})
            request._wagtail_route_for_request = RouteResult(page)
            return
    # A miss: the Site is looked up afresh too, so a remembered one never outlives a miss.
    found = _remembered_site(request, host, None, None)
    if found is None:
        return  # no Site for this host: Wagtail answers 404 as it always does
    result = Page.route_for_request(request, path)
    if result is not None and not result.args and not result.kwargs:
        page = result.page
        if page.url_path == _url_path(found[1], path):
            cache.set(keys[1], (page.pk, page._meta.label_lower), ROUTE_SECONDS)


def _url_path(root_url_path: str, path: str) -> str:
    return root_url_path + "".join(f"{part}/" for part in path.split("/") if part)
