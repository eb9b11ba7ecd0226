"""The zh-hans catalogue is complete and current: CI fails on a stale catalogue.

The check regenerates the catalogue from a copy of the source tree (every Django app and
template under src/rmperf; engine/ and synth/ have no Django) and requires every msgid
to be in the committed .po, translated and not fuzzy, and the committed .mo to match.

To update after changing strings, from src/rmperf:
    django-admin makemessages -l zh_Hans --ignore=engine --ignore=synth \
        --no-location --no-wrap --no-obsolete
    (translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po)
    django-admin compilemessages --ignore=engine --ignore=synth
"""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import rmperf

PACKAGE = Path(rmperf.__file__).resolve().parent
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"
#: Parts of the tree without Django (and so without translatable strings).
NOT_DJANGO = ("engine", "synth")
MAKEMESSAGES_ARGS = [
    "makemessages", "-l", "zh_Hans", "--no-location", "--no-wrap", "--no-obsolete",
    *[f"--ignore={d}" for d in NOT_DJANGO],
]  # fmt: skip


@dataclass
class Entry:
    msgid: str
    plural: str | None = None
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    context: str | None = None

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)


def _unquote(text: str) -> str:
    body = text.strip()
    assert body.startswith('"') and body.endswith('"'), body
    out = []
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    i = 1
    while i < len(body) - 1:
        ch = body[i]
        if ch == "\\":
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader (no polib): entries with flags, plural forms and context;
    obsolete (#~) entries are returned with the flag "obsolete"."""
    entries: list[Entry] = []
    flags: set[str] = set()
    current: Entry | None = None
    part: str | None = None

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            continue
        if line.startswith("#,"):
            finish()
            flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgctxt":
            finish()
            current = Entry(msgid="", context=_unquote(rest), flags=flags)
            flags = set()
            part = "msgctxt"
        elif keyword == "msgid":
            if current is None or part != "msgctxt":
                finish()
                current = Entry(msgid="", flags=flags)
                flags = set()
            current.msgid = _unquote(rest)
            part = "msgid"
        elif keyword == "msgid_plural":
            assert current is not None
            current.plural = _unquote(rest)
            part = "msgid_plural"
        elif keyword.startswith("msgstr"):
            assert current is not None
            current.msgstrs.append(_unquote(rest))
            part = "msgstr"
        elif line.startswith('"'):
            assert current is not None
            text = _unquote(line)
            if part == "msgid":
                current.msgid += text
            elif part == "msgid_plural":
                current.plural = (current.plural or "") + text
            elif part == "msgstr":
                current.msgstrs[-1] += text
            elif part == "msgctxt":
                current.context = (current.context or "") + text
        if obsolete and current is not None:
            current.flags.add("obsolete")
    finish()
    return [e for e in entries if e.msgid != ""]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> list[Entry]:
    """makemessages run on a copy of the tree, merging the committed translations."""
    copy = tmp_path_factory.mktemp("i18n") / "rmperf"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", *NOT_DJANGO),
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-m", "django", *MAKEMESSAGES_ARGS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return parse_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")


@pytest.fixture(scope="module")
def committed() -> list[Entry]:
    return parse_po(CATALOGUE / "django.po")


def test_the_reader_understands_plurals_and_flags(tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: zh_Hans\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "a %(n)s"\nmsgstr "甲 %(n)s"\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] ""\n"个"\n\n'
        '#~ msgid "gone"\n#~ msgstr "已删"\n',
        encoding="utf-8",
    )
    first, second, third = parse_po(po)
    assert (first.msgid, first.msgstrs, "fuzzy" in first.flags) == ("a %(n)s", ["甲 %(n)s"], True)
    assert (second.plural, second.msgstrs) == ("many", ["个"])
    assert "obsolete" in third.flags


@pytest.mark.slow
def test_every_message_in_the_code_is_in_the_catalogue(
    regenerated: list[Entry], committed: list[Entry]
) -> None:
    in_code = {e.key for e in regenerated if "obsolete" not in e.flags}
    in_catalogue = {e.key for e in committed if "obsolete" not in e.flags}
    missing = sorted(str(k[1]) for k in in_code - in_catalogue)
    stale = sorted(str(k[1]) for k in in_catalogue - in_code)
    assert not missing, f"run makemessages and translate: {missing}"
    assert not stale, f"run makemessages --no-obsolete; no longer in the code: {stale}"


@pytest.mark.slow
def test_every_message_is_translated_and_not_fuzzy(regenerated: list[Entry]) -> None:
    untranslated = [e.msgid for e in regenerated if not e.msgstrs or not all(e.msgstrs)]
    fuzzy = [e.msgid for e in regenerated if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in zh_Hans: {untranslated}"
    assert not fuzzy, f"fuzzy in zh_Hans (check and clear the flag): {fuzzy}"


def test_the_committed_catalogue_has_no_obsolete_or_fuzzy_entries(committed: list[Entry]) -> None:
    assert not [e.msgid for e in committed if e.flags & {"obsolete", "fuzzy"}]
    assert all(e.msgstrs and all(e.msgstrs) for e in committed)


def test_the_compiled_catalogue_matches_the_po(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("gettext's msgfmt is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check", "-o", str(fresh), str(CATALOGUE / "django.po")], check=True)
    with fresh.open("rb") as f_new, (CATALOGUE / "django.mo").open("rb") as f_old:
        new = gettext.GNUTranslations(f_new)._catalog  # type: ignore[attr-defined]
        old = gettext.GNUTranslations(f_old)._catalog  # type: ignore[attr-defined]
    assert old == new, "run compilemessages: django.mo is older than django.po"


def test_the_app_speaks_chinese_by_default_and_english_on_request(client: object) -> None:
    from django.test import Client

    assert isinstance(client, Client)
    zh = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert "登录" in zh.content.decode()
    en = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Sign in" in en.content.decode()
