"""Security headers on representative pages, production settings, and no inline code anywhere."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import MembershipFactory, RoomFactory, UserFactory
from tests.resources import builders

ROOT = Path(__file__).resolve().parents[2]


def policy(response, header="Content-Security-Policy") -> dict[str, list[str]]:
    """The policy as {directive: [sources]}."""
    directives = {}
    for part in response[header].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_site_headers(response):
    csp = policy(response)
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in csp[directive], directive
        assert "'unsafe-eval'" not in csp[directive], directive
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert "data:" not in csp["img-src"]
    # The room socket is same-origin; named explicitly for browsers before CSP Level 3.
    assert csp["connect-src"] == ["'self'", "ws://testserver"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin"}
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_STYLE = re.compile(r"<style\b|\sstyle=")


def assert_no_inline_code(html: str):
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html).group(0)


def test_home_page_has_the_site_policy_and_headers(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert_site_headers(response)
    assert_no_inline_code(response.content.decode())


def test_resource_page_has_the_site_policy_and_headers(client, db):
    page = builders.resource(builders.library(), "Serve and return")

    response = client.get(page.url)

    assert response.status_code == 200
    assert_site_headers(response)
    assert_no_inline_code(response.content.decode())


def test_login_page_has_the_site_policy_and_headers(client, db):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert_site_headers(response)
    assert_no_inline_code(response.content.decode())


def test_search_page_has_the_site_policy_and_headers(client, db):
    response = client.get("/search/", {"q": "attachment"})

    assert response.status_code == 200
    assert_site_headers(response)
    assert_no_inline_code(response.content.decode())


def test_room_page_has_the_site_policy_and_headers(client, db):
    room = RoomFactory()
    member = MembershipFactory(cohort=room.cohort).user
    client.force_login(member, backend="accounts.backends.UsernameOrEmailBackend")

    response = client.get(f"/collaboratives/rooms/{room.pk}/")

    assert response.status_code == 200
    assert_site_headers(response)
    html = response.content.decode()
    assert_no_inline_code(html)
    assert re.search(r'<script type="module" src="[^"]*room[^"]*\.js"', html)


def test_profile_page_with_the_qr_setup_has_no_inline_code(client, db):
    user = UserFactory()
    client.force_login(user, backend="accounts.backends.UsernameOrEmailBackend")

    for url in ("/accounts/profile/", "/accounts/two-step/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_site_headers(response)
        assert_no_inline_code(response.content.decode())


def test_admin_login_gets_the_admin_policy_which_still_forbids_framing_by_others(client, db):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    csp = policy(response)
    # Wagtail's admin needs inline code (see settings.CONTENT_SECURITY_POLICY_ADMIN); it still
    # may not be framed by another site, nor load plugins, nor post forms elsewhere.
    assert "'unsafe-inline'" in csp["script-src"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_sign_in_session_cookie_is_httponly_and_samesite_lax(client, db):
    user = UserFactory()

    client.post(
        "/accounts/login/", {"username": user.username, "password": "a-Long-test-passphrase-42"}
    )

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert client.cookies[settings.CSRF_COOKIE_NAME]["samesite"] == "Lax"


TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]


def _templates():
    for folder in TEMPLATE_DIRS:
        if ".venv" in folder.parts:
            continue
        yield from sorted(folder.rglob("*.html"))


def test_no_template_has_inline_script_or_style():
    offenders = []
    for path in _templates():
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)}")

    assert list(_templates()), "no templates found: the scan is looking in the wrong place"
    assert offenders == []


def test_inline_code_patterns_catch_what_they_must():
    # The scan above is only as good as these patterns.
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">import "x"</script>')
    assert not INLINE_SCRIPT.search('<script type="module" src="/static/js/room.js"></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="d">{}</script>')
    assert INLINE_STYLE.search("<style>p{}</style>")
    assert INLINE_STYLE.search('<p style="color:red">')
    assert not INLINE_STYLE.search('<link rel="stylesheet" href="/static/css/site.css">')


# --- Production settings, in a fresh process (the test settings are not production's) ------

PROBE = """
import json, os, sys
sys.path.insert(0, "site")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client

call_command("check", "--deploy", "--fail-level", "WARNING")
client = Client(HTTP_HOST="example.org")
secure = client.get("/accounts/login/", secure=True)
plain = client.get("/accounts/login/")
csrf = secure.cookies[settings.CSRF_COOKIE_NAME]
print(json.dumps({
    "settings": {name: getattr(settings, name) for name in (
        "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS")},
    "status": secure.status_code,
    "headers": dict(secure.headers),
    "csrf_cookie": {"secure": csrf["secure"], "samesite": csrf["samesite"]},
    "plain": [plain.status_code, plain.headers.get("Location")],
}))
"""


@pytest.fixture(scope="module")
def production():
    """check --deploy and the login page under production settings (DEBUG=0, real secret)."""
    env = {k: v for k, v in os.environ.items() if k not in {"TESTING", "DEBUG", "SECRET_KEY"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        ALLOWED_HOSTS="example.org",
        # The collected static files of this test run; a database with no tables is enough for
        # the login page, which reads nothing.
        VAR_DIR=str(settings.VAR_DIR),
        DATABASE_URL=f"sqlite:///{settings.VAR_DIR / 'production-probe.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_check_deploy_is_clean_and_cookies_are_secure(production):
    assert production["settings"] == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    }
    assert production["csrf_cookie"] == {"secure": True, "samesite": "Lax"}


def test_production_login_page_sends_hsts_and_the_strict_policy(production):
    headers = production["headers"]

    assert production["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = {
        part.split()[0]: part.split()[1:] for part in headers["Content-Security-Policy"].split(";")
    }
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["connect-src"] == ["'self'", "wss://example.org"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_redirects_plain_http_to_https(production):
    assert production["plain"] == [301, "https://example.org/accounts/login/"]
