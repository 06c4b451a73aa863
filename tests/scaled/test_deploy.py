"""deploy/: the nginx site renders and nginx loads it; the systemd units run real commands."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _render_site(tmp_path: Path) -> str:
    values = {
        "SERVER_NAME": "imh.example.org",
        "HTTP_LISTEN": "127.0.0.1:8080",
        "HTTPS_LISTEN": "127.0.0.1:8443",
        "HTTPS_ORIGIN": "https://imh.example.org:8443",
        "TLS_CERT": str(tmp_path / "tls.crt"),
        "TLS_KEY": str(tmp_path / "tls.key"),
        "UPSTREAM_SERVERS": "server 127.0.0.1:8001; server 127.0.0.1:8002;",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    text = (DEPLOY / "nginx" / "imh.conf").read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    return text


def test_nginx_site_template_names_only_documented_placeholders(tmp_path):
    rendered = _render_site(tmp_path)

    config_lines = [line for line in rendered.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in config_lines if re.search(r"@[A-Z_]+@", line)]


@pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) or not shutil.which("openssl"),
    reason="nginx and openssl are not installed (apt-get install nginx)",
)
def test_nginx_accepts_rendered_site(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=imh.example.org", "-keyout", str(tmp_path / "tls.key")]
        + ["-out", str(tmp_path / "tls.crt")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    (tmp_path / "imh.conf").write_text(_render_site(tmp_path))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\nhttp {\n"
        f"  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/imh.conf;\n}}\n"
    )

    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
        + ["-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_systemd_units_run_commands_that_exist():
    commands = get_commands()
    units = {path.name: path.read_text() for path in (DEPLOY / "systemd").glob("*.service")}

    starts = {
        name: re.search(r"^ExecStart=(.+?)(?<!\\)$", text, re.M | re.S).group(1)
        for name, text in units.items()
    }

    assert "config.asgi:application" in starts["imh-daphne@.service"]
    assert "--proxy-headers" in starts["imh-daphne@.service"]
    worker = starts["imh-worker.service"]
    assert "manage.py db_worker" in worker and "db_worker" in commands
    backend = re.search(r"--backend (\S+)", worker).group(1)
    assert settings.TASKS[backend]["BACKEND"].startswith("django_tasks")
    assert "manage.py scheduler" in starts["imh-scheduler.service"] and "scheduler" in commands


def test_smoke_script_refuses_a_base_with_a_path():
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "smoke.py"), "--base", "https://imh.example.org/somewhere"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "--base is an origin, without a path" in result.stderr
