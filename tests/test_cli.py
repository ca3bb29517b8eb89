"""Bad input gets one clear line on stderr and a non-zero exit, never a traceback."""

import pytest

from robostack.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err.strip()
    return code, err


def test_empty_instruction(capsys):
    code, err = run_cli(capsys, "run", "   ", "--world", "apartment")
    assert code == 2
    assert err.startswith("robostack: error:") and "instruction" in err and "\n" not in err


def test_unknown_world(capsys):
    code, err = run_cli(capsys, "run", "go to the kitchen", "--world", "mars")
    assert code == 2
    assert "unknown world 'mars'" in err and "apartment" in err and "\n" not in err


def test_config_with_a_wrong_field(capsys, tmp_path):
    launch = tmp_path / "episode.yaml"
    launch.write_text("instruction: go to the kitchen\nsed: 7\n")
    code, err = run_cli(capsys, "run", "--config", str(launch))
    assert code == 2
    assert "field 'sed'" in err and "\n" not in err


def test_missing_config_file(capsys, tmp_path):
    code, err = run_cli(capsys, "run", "--config", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such file" in err


def test_unknown_skill_implementation(capsys):
    code, err = run_cli(capsys, "run", "go to the kitchen", "--skills", "navigate=telepathy")
    assert code == 2 and "navigate/telepathy" in err


def test_help_lists_commands_with_examples(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "parse", "run", "eval", "bench"):
        assert command in out


def test_every_command_group_says_what_it_is_for():
    from robostack.cli import GROUP_HELP, build_parser
    from robostack.core import registry

    build_parser()  # registers every command
    groups = {name.partition("/")[0] for name in registry.names("command") if "/" in name}
    assert groups <= set(GROUP_HELP), f"no help for {sorted(groups - set(GROUP_HELP))}"


def test_json_stdout_is_only_json():
    """Progress, logs and pybullet's banner go to stderr: stdout carries the JSON alone."""
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "robostack.cli", "run", "go to the kitchen", "--seed", "7", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out)["success"] is True
