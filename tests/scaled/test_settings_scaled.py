"""Settings of the scaled topology: proxy trust, connection pooling, persistent connections."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'ssl_header': s.SECURE_PROXY_SSL_HEADER, 'forwarded_host': s.USE_X_FORWARDED_HOST, "
    "'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'], "
    "'pool': s.DATABASES['default'].get('OPTIONS', {}).get('pool')}))"
)


def _production_settings(tmp_path, **env: str) -> dict:
    """The settings a production process computes from this environment (no database needed)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TESTING", "DEBUG", "SECRET_KEY", "DATABASE_URL", "TRUST_PROXY_HEADERS"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env={
            **clean,
            "DEBUG": "0",
            "SECRET_KEY": "s" * 64,
            "ALLOWED_HOSTS": "imh.example.org",
            "VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_proxy_headers_ignored_when_not_told_a_proxy_stands_in_front(tmp_path):
    values = _production_settings(tmp_path)

    assert values["ssl_header"] is None
    assert values["forwarded_host"] is False


def test_proxy_headers_trusted_with_trust_proxy_headers(tmp_path):
    values = _production_settings(tmp_path, TRUST_PROXY_HEADERS="1")

    assert values["ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["forwarded_host"] is True


def test_database_pool_replaces_persistent_connections_on_postgresql(tmp_path):
    values = _production_settings(
        tmp_path,
        DATABASE_URL="postgres://imh:imh@127.0.0.1:1/imh",
        DATABASE_POOL="1",
        DATABASE_POOL_MAX="7",
    )

    assert values["conn_max_age"] == 0
    assert values["pool"] == {"min_size": 1, "max_size": 7, "timeout": 10}


def test_database_pool_ignored_on_sqlite(tmp_path):
    values = _production_settings(tmp_path, DATABASE_POOL="1")

    assert values["pool"] is None
    assert values["conn_max_age"] == 600


@pytest.mark.skipif("DATABASE_URL" in os.environ, reason="checks the embedded default")
def test_database_connections_persistent_with_health_checks():
    database = settings.DATABASES["default"]

    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True
