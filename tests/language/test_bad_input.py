"""Bad input: a clear one-line error or a plan, never a crash, never over a second."""

from __future__ import annotations

import subprocess
import sys

import pytest

from robostack.core.errors import RobostackError
from robostack.language import parse
from robostack.language.evaluate import BAD_INPUTS, bad_input_report


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_handled_quickly(name: str) -> None:
    report = bad_input_report(parse)[name]
    assert not report["outcome"].startswith("CRASH"), report
    assert report["ms"] < 1000


def test_noise_and_foreign_text_give_clear_errors() -> None:
    with pytest.raises(RobostackError, match="limit"):
        parse("x" * 10_000)
    with pytest.raises(RobostackError, match="English"):
        parse("깨끗하게 씻은 국자를 조리대에 놓으세요.")
    with pytest.raises(RobostackError, match="no action"):
        parse("purple monkey dishwasher")


def test_control_characters_are_ignored() -> None:
    assert str(parse("go to the\x00 kitchen\x07").subtasks[0]) == "navigate(go_into, kitchen)"


def test_cli_prints_one_line_no_traceback() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "robostack.cli", "parse", "\x01\x02"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
