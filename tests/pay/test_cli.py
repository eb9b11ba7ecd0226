"""`rmperf pay-run` and `rmperf verify` with the pay approvals."""

from __future__ import annotations

import argparse

import pytest

from rmperf.cli import main
from rmperf.pay.models import PayRun, PayStatement
from rmperf.pay.services import pay_approve
from tests.pay.conftest import QUARTER, PayBank


def test_pay_run_refused_until_confirmed(
    pay_bank: PayBank, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pay-run", QUARTER]) == 2
    assert "not confirmed: 2026Q3" in capsys.readouterr().err
    assert PayRun.objects.count() == 0


def test_pay_run_then_verify(confirmed: PayBank, capsys: pytest.CaptureFixture[str]) -> None:
    from rmperf.commands.performance_commands import cmd_verify

    assert main(["pay-run", QUARTER]) == 0
    out = capsys.readouterr().out
    assert "3 statements" in out and "41,316.00" in out
    run = PayRun.objects.get()
    assert run.actor_label == "system"
    pay_approve(actor=confirmed.users["hr1"], run_id=str(run.run_id))  # the system ran it
    assert cmd_verify(argparse.Namespace()) == 0
    assert "1 pay approval(s)" in capsys.readouterr().out
    PayStatement.objects.filter(staff_id="RM3").update(base="6901.00")
    assert cmd_verify(argparse.Namespace()) == 1
    out = capsys.readouterr().out
    assert "TAMPERED: pay 2026Q3: the statement of RM3 changed after the approval" in out
