"""Every `rmperf` subcommand answers --help, and Django's commands pass through."""

import subprocess
import sys
from pathlib import Path

import pytest

from rmperf.cli import build_parser, main, own_commands

OWN_COMMANDS = own_commands()

RMPERF = Path(sys.executable).with_name("rmperf")


@pytest.mark.parametrize("command", sorted(OWN_COMMANDS))
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: rmperf {command}")


def test_top_level_help_lists_commands_and_mentions_django(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    for command in OWN_COMMANDS:
        assert command in out
    assert "Django management command" in out


def test_the_foundation_commands_exist() -> None:
    assert {"generate", "validate", "import", "demo", "serve", "segment"} <= OWN_COMMANDS
    assert build_parser().prog == "rmperf"


def test_bad_date_is_a_clear_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--out", "x", "--start", "2026-13-01"])
    assert exit_info.value.code == 2
    assert "'2026-13-01' is not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_console_script_passes_django_commands_through(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(RMPERF), "help", "migrate"],
        capture_output=True,
        text=True,
        check=False,
        env={"RMPERF_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "usage: rmperf migrate" in result.stdout
