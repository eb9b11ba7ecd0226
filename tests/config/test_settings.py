"""Settings: typed env readers fail loudly; a production-like env passes `check --deploy`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rmperf.config.env import env_bool, env_int, env_list, env_str


def test_env_bool_accepts_the_usual_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("true", True), ("YES", True), ("1", True), ("off", False), ("", False)]:
        monkeypatch.setenv("RMPERF_X", raw)
        assert env_bool("RMPERF_X", not expected) is expected


def test_env_readers_fail_loudly_on_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMPERF_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="RMPERF_X"):
        env_bool("RMPERF_X", False)
    monkeypatch.setenv("RMPERF_X", "12min")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("RMPERF_X", 0)


def test_env_list_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RMPERF_X", raising=False)
    assert env_list("RMPERF_X", ["a"]) == ["a"]
    monkeypatch.setenv("RMPERF_X", " a.example , ,b.example ")
    assert env_list("RMPERF_X", []) == ["a.example", "b.example"]


def test_secrets_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "key"
    secret.write_text("s3cret-from-file\n", encoding="utf-8")
    monkeypatch.setenv("RMPERF_X_FILE", str(secret))
    assert env_str("RMPERF_X", "default") == "s3cret-from-file"
    monkeypatch.setenv("RMPERF_X_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("RMPERF_X", "default")


def _check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(Path.home())),
        "DJANGO_SETTINGS_MODULE": "rmperf.config.settings",
    }
    return subprocess.run(
        [sys.executable, "-m", "django", "check", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _check(
        {
            "RMPERF_HOME": str(tmp_path),
            "RMPERF_SECRET_KEY": secrets.token_urlsafe(50),
            "RMPERF_ALLOWED_HOSTS": "rmperf.example.com",
            "RMPERF_SECURE_COOKIES": "true",
            "RMPERF_SSL_REDIRECT": "true",
            "RMPERF_HSTS_SECONDS": "31536000",
            "RMPERF_HSTS_PRELOAD": "true",
            "RMPERF_BEHIND_TLS_PROXY": "true",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_a_bad_setting_stops_the_start(tmp_path: Path) -> None:
    result = _check({"RMPERF_HOME": str(tmp_path), "RMPERF_SESSION_IDLE_SECONDS": "half an hour"})
    assert result.returncode != 0
    assert "RMPERF_SESSION_IDLE_SECONDS" in result.stderr
