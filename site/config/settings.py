"""Settings for every size of the platform, read from the environment.

Each backend is chosen by one variable; its absence means the embedded default (SQLite, in-memory
channel layer, local-memory cache, database search, console email). `.env.example` lists them all.
"""

import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse, urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
TESTING = "pytest" in sys.modules or env_bool("TESTING")

_INSECURE_KEY = "insecure-development-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _INSECURE_KEY
if not ALLOWED_HOSTS:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
if not (DEBUG or TESTING) and (SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be a real secret of at least 50 characters.")

INSTALLED_APPS = [
    # Daphne first, so `manage.py runserver` serves HTTP and WebSocket through ASGI.
    "daphne",
    "accounts",
    "competencies",
    "collaboratives",
    "resources",
    "resources.search",
    "events",
    "forums",
    "endorsement",
    "home",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "channels",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files need no policy; every page and the admin get one.
    "accounts.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Reads made once per request (a person's cohort roles), forgotten with the response.
    "accounts.request_scope.RequestScopeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.AdminSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "accounts.context_processors.notifications",
            ],
        },
    },
]

# --- Database: SQLite in WAL mode by default, PostgreSQL with DATABASE_URL -------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
SQLITE_OPTIONS = {
    # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at BEGIN
    # so concurrent writers wait (busy timeout) instead of failing half-way through.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
    # Live-server tests run Daphne in another process, which needs a file database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer and cache: in-memory by default, Redis with REDIS_URL --------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis pub/sub ignores the database number: only the prefix keeps apart sites sharing one Redis
# (test workers, and the servers the tests start, whose room ids coincide).
REDIS_PREFIX = os.environ.get("REDIS_PREFIX") or (
    f"imh-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}" if TESTING else "imh"
)


def _redis_cache_location(url: str) -> str:
    """Test workers clear the cache between tests, which on Redis empties a whole database: each
    worker (and the servers its tests start, which inherit its name) gets a database of its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not (TESTING and worker.startswith("gw") and worker[2:].isdigit()):
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{1 + int(worker[2:]) % 15}"))


if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: a group is one Redis channel, which suits one subscription per room
            # per process (collaboratives/hub.py) and measured about twice the core layer.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_cache_location(REDIS_URL),
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            # Each process's room hub receives every room's traffic on one channel. `capacity`,
            # not `channel_capacity`: Channels 4.3.2's in-memory layer never compiles the latter,
            # so every send raised ValueError. Sockets have no channel here (see hub.py).
            "CONFIG": {"capacity": 100_000},
        }
    }
    # Room for every signed-in person's session besides the cached reads (300 by default, after
    # which it drops a third of its entries at once).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# --- Search: database full-text by default; Elasticsearch with ELASTICSEARCH_URL -------------
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
# resources.search: the database index always exists (it is the fallback); Elasticsearch serves
# when configured. The index name is an alias, so a full reindex swaps in without downtime.
SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "database"
ELASTICSEARCH_INDEX = os.environ.get("ELASTICSEARCH_INDEX", "imh-search")
# Seconds before search gives up on the cluster and answers from the database (at most 2).
ELASTICSEARCH_TIMEOUT = min(float(os.environ.get("ELASTICSEARCH_TIMEOUT", "2")), 2.0)
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "english"}
}

# --- Background work: Django's task API. Wagtail's own index updates stay immediate; the
# platform's queued jobs (emails, digests) use the database queue worked by `db_worker`.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "queue": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    },
}


# --- Email: console by default, SMTP with EMAIL_URL (smtp://user:pass@host:port?tls=1) --------
def _email_from_url(url: str) -> dict:
    parts = urlparse(url)
    query = parse_qs(parts.query)
    if parts.scheme not in {"smtp", "smtps", "console", "file"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme {parts.scheme!r} is not supported.")
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": parts.path or str(VAR_DIR / "mail"),
        }
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("tls", ["0"])[0] in {"1", "true"},
    }


globals().update(
    _email_from_url(os.environ.get("EMAIL_URL", ""))
    if os.environ.get("EMAIL_URL")
    else {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "IMH Collaborative <noreply@localhost>")

# --- Accounts, sign-in and permissions ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out credentials before any password check.
    "axes.backends.AxesStandaloneBackend",
    # Then the limits across accounts (per address) and across addresses (per account).
    "accounts.signin_limits.SignInRateBackend",
    "rules.permissions.ObjectPermissionBackend",
    "accounts.backends.UsernameOrEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "14"))

# Failed sign-ins only count toward a lockout; a success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
# One nested list = the pair (account, address). A flat list would lock each separately, and a
# success would then wipe every failure from that address, a victim's included.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Every spelling of an account (username in any case, email) counts as that one account.
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Beside django-axes' (account, address) lockout, counted in the cache over a window: failures
# from one address across any accounts (password spraying), and failures on one account from any
# address (a distributed guess). Higher than axes' 5: a clinic's shared address must not lock.
SIGNIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("SIGNIN_ADDRESS_FAILURE_LIMIT", "30"))
SIGNIN_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("SIGNIN_ACCOUNT_FAILURE_LIMIT", "20"))
SIGNIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("SIGNIN_FAILURE_WINDOW_SECONDS", "900"))
# Two-step sign-in (django-otp): the issuer shown in authenticator apps, how long the code step
# waits after the password, and the admin login form that asks for the code too.
OTP_TOTP_ISSUER = "IMH Learning Collaborative"
SIGNIN_SECOND_STEP_SECONDS = 300
WAGTAILADMIN_USER_LOGIN_FORM = "accounts.forms.AdminSignInForm"

# Sessions read from the cache, written through to the database: a signed-in page no longer
# spends a query on its session, and the rows stay where accounts.services and the room hub's
# re-check look for them (they delete through the store, which forgets the cached copy; a
# password change or "sign out everywhere" also changes the hash each session must carry).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp; accounts/middleware.py adds the page's own ws:/wss: origin
# to connect-src and serves /admin/ the looser policy below). No inline script or style anywhere
# on the site: templates load static files only (tests/security/test_headers.py checks).
CSP_EMBED_FRAME_SRC = env_list(
    "CSP_EMBED_FRAME_SRC",
    "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": CSP_EMBED_FRAME_SRC,
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Wagtail's admin writes inline <script> (inline panels, date pickers) and style attributes, shows
# uploads through data:/blob: URLs and previews pages in a same-origin frame: it cannot run under
# the site's policy. Only signed-in editors reach it, behind the second factor when they have one.
CSP_ADMIN_PATH_PREFIXES = ("/admin/",)
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", *CSP_EMBED_FRAME_SRC],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}
if not DEBUG and not TESTING:
    # Production: HTTPS only. SECURE_SSL_REDIRECT stays off when a proxy terminates TLS and
    # says so with X-Forwarded-Proto (trusted only from the proxy; see docs/deployment.md).
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names and long cache headers; `make run` and `make test` run collectstatic.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Wagtail ----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "IMH Learning Collaborative"
WAGTAILADMIN_BASE_URL = os.environ.get(
    "SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
)
# Documents go through Django so that members-only documents are checked before they are sent.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "doc", "pptx", "xlsx", "odt", "txt", "csv", "epub"]
# Upload checks (accounts/uploads.py): documents by content and size, images without metadata.
WAGTAILDOCS_DOCUMENT_FORM_BASE = "accounts.uploads.DocumentForm"
WAGTAILIMAGES_IMAGE_FORM_BASE = "accounts.uploads.ImageForm"
DOCUMENT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
DOCUMENT_MAX_EXPANDED_BYTES = 500 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# No Gravatar in the admin: it would send a hash of each editor's email address to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_HITS_MAX_AGE = 14
TAGGIT_CASE_INSENSITIVE = True

# --- Platform limits (settings, so operators can tune them) ---------------------------------
ROOM_MESSAGE_MAX_LENGTH = int(os.environ.get("ROOM_MESSAGE_MAX_LENGTH", "4000"))
ROOM_RATE_LIMIT_COUNT = int(os.environ.get("ROOM_RATE_LIMIT_COUNT", "20"))
ROOM_RATE_LIMIT_SECONDS = int(os.environ.get("ROOM_RATE_LIMIT_SECONDS", "10"))
ROOM_ACCESS_RECHECK_SECONDS = int(os.environ.get("ROOM_ACCESS_RECHECK_SECONDS", "30"))
# Posts a server process is storing at once, beyond which it answers `rate_limited` (try again
# shortly) instead of queueing: an overloaded server sheds load rather than letting every room's
# delay grow without bound (docs/realtime.md).
ROOM_POSTS_IN_FLIGHT_MAX = int(os.environ.get("ROOM_POSTS_IN_FLIGHT_MAX", "50"))
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "imh-demo-pass")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        # Task and publishing chatter drowns what matters at INFO.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# --- deployment (docs/deployment.md, deploy/) ---
# Proxy headers are believed only when the operator says a proxy that overwrites them on every
# request stands in front (deploy/nginx/imh.conf does); a server reachable directly must leave
# this off, or any client could claim HTTPS or another host name.
TRUST_PROXY_HEADERS = env_bool("TRUST_PROXY_HEADERS")
USE_X_FORWARDED_HOST = TRUST_PROXY_HEADERS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_PROXY_HEADERS else None
# bench/pages.py measures each page against a view returning a fixed string on the same server
# (the floor); it is routed only when this is on.
BENCH_FLOOR = env_bool("BENCH_FLOOR")
# Health probes reach each Daphne directly over plain HTTP on loopback (docs/deployment.md).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HTTP requests run their synchronous part (middleware, views, the ORM) on this many long-lived
# threads per process (config/http_pool.py), each keeping its database connection between
# requests as a WSGI server's threads do; further requests wait for a free thread. Django's own
# ASGI handler would start a thread, and so open a connection, for every request.
_http_threads = os.environ.get("HTTP_THREADS") or "4"
if not _http_threads.strip().isdigit() or int(_http_threads) < 1:
    raise ImproperlyConfigured(f"HTTP_THREADS must be a whole number >= 1, not {_http_threads!r}.")
HTTP_THREADS = int(_http_threads)
# PostgreSQL: DATABASE_POOL=1 (deploy/ sets it) uses psycopg's pool instead of each thread's
# persistent connection: bounded per process, whatever else holds connections (the health probe,
# socket consumers), each connection checked when taken out of the pool (CONN_HEALTH_CHECKS
# above), returned at the end of every request.
DATABASE_POOL = env_bool("DATABASE_POOL")
DATABASE_POOL_MAX = int(os.environ.get("DATABASE_POOL_MAX", "20"))
if DATABASE_POOL and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django must not as well
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "pool": {"min_size": 1, "max_size": DATABASE_POOL_MAX, "timeout": 10},
    }

# --- endorsement ---
ENDORSEMENT_CERTIFICATE_MAX_BYTES = 2_000_000  # certificates are one-page PDFs or photos
ENDORSEMENT_CONTACT_REQUESTS_PER_DAY = 5  # provider contact requests one member may send a day
ENDORSEMENT_RECENT_ACTIVITY_DAYS = 60  # cohort view: no entry for this long = no recent activity
ENDORSEMENT_ON_TRACK_MONTHS = 12  # "on track" = goal forecast to be reached within this many months

# --- forums -----------------------------------------------------------------------------------
FORUMS_TITLE_MAX_LENGTH = 200
FORUMS_POST_MAX_LENGTH = int(os.environ.get("FORUMS_POST_MAX_LENGTH", "20000"))
FORUMS_ACCESS_RECHECK_SECONDS = int(os.environ.get("FORUMS_ACCESS_RECHECK_SECONDS", "30"))
