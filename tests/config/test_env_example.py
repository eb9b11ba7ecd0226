"""`.env.example` lists exactly the environment variables the settings read."""

from __future__ import annotations

import re
from pathlib import Path

import rmperf.config

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = Path(rmperf.config.__file__).parent
#: env_str("NAME", …), env_bool(…), os.environ.get("NAME"), os.environ["NAME"], os.getenv(…)
READ = re.compile(
    r"""(?:env_(?:str|bool|int|list)\(\s*|os\.environ\.get\(\s*|os\.environ\[\s*|os\.getenv\(\s*)"""
    r"""["']([A-Z][A-Z0-9_]*)["']"""
)
#: Variables set by tooling rather than by whoever deploys the app.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}


def variables_read() -> set[str]:
    names: set[str] = set()
    for module in CONFIG_DIR.glob("*.py"):
        names |= set(READ.findall(module.read_text(encoding="utf-8")))
    return names - NOT_CONFIGURATION


def variables_documented() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.M))


def test_the_scanner_finds_what_settings_read() -> None:
    read = variables_read()
    assert {"RMPERF_SECRET_KEY", "DATABASE_URL", "RMPERF_SESSION_IDLE_SECONDS"} <= read


def test_every_variable_read_is_documented() -> None:
    missing = variables_read() - variables_documented()
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_every_documented_variable_is_read() -> None:
    stale = variables_documented() - variables_read()
    assert not stale, f"remove from .env.example (settings no longer read them): {sorted(stale)}"
