import json

from robostack.core.lineage import CURRENT_LOG, UNRECORDED, Phase, read_lineage, start_phase


def _write_log(directory, val_loss):
    (directory / CURRENT_LOG).write_text(json.dumps([{"step": 1, "val_loss": val_loss}]))


def test_phases_accumulate_and_logs_follow_the_weights(tmp_path):
    first, second, third = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    start_phase(first, None, "robostack train x", note="from scratch")
    _write_log(first, 3.0)
    start_phase(second, first, "robostack train x --init-from a")
    _write_log(second, 2.0)
    start_phase(third, second, "robostack train x --init-from b")

    phases = read_lineage(third)
    assert [p.command for p in phases] == [
        "robostack train x",
        "robostack train x --init-from a",
        "robostack train x --init-from b",
    ]
    assert [p.log for p in phases] == ["train_log_phase1.json", "train_log_phase2.json", CURRENT_LOG]
    assert phases[0].note == "from scratch"
    assert json.loads((third / "train_log_phase1.json").read_text())[0]["val_loss"] == 3.0
    assert json.loads((third / "train_log_phase2.json").read_text())[0]["val_loss"] == 2.0


def test_continuing_in_place_keeps_the_old_log(tmp_path):
    start_phase(tmp_path, None, "first")
    _write_log(tmp_path, 5.0)
    start_phase(tmp_path, tmp_path, "second")
    assert read_lineage(tmp_path) == [Phase("first", "train_log_phase1.json"), Phase("second", CURRENT_LOG)]
    assert json.loads((tmp_path / "train_log_phase1.json").read_text())[0]["val_loss"] == 5.0


def test_parent_without_lineage_counts_as_one_unrecorded_phase(tmp_path):
    parent, child = tmp_path / "old", tmp_path / "new"
    parent.mkdir()
    _write_log(parent, 1.0)
    start_phase(child, parent, "robostack train x --init-from old")
    assert [p.command for p in read_lineage(child)] == [UNRECORDED, "robostack train x --init-from old"]
    assert read_lineage(tmp_path / "nowhere") == []
