"""ETH-UCY loader: windows on a tiny generated file, counted by hand, and the real splits' counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from robostack.core.errors import RobostackError
from robostack.data.eth_ucy import (
    WindowConfig,
    default_data_dir,
    load_split,
    read_annotations,
    windows_from_annotations,
)

# 23 annotated frames, 10 ids apart except one 170-id gap (loaders index frames by rank).
FRAME_IDS = [10 * r if r <= 10 else 10 * r + 160 for r in range(23)]
PRESENCE = {  # pedestrian -> ranks present
    1: range(0, 23),  # every frame
    2: range(0, 20),  # exactly the first window
    3: range(1, 22),  # windows starting at rank 1 and 2
    4: range(5, 11),  # never 20 frames
}


def write_tiny(path: Path) -> Path:
    rows = []
    for r, frame in enumerate(FRAME_IDS):
        for ped, ranks in PRESENCE.items():
            if r in ranks:
                rows.append(f"{frame}\t{ped}.0\t{ped + 0.1 * r:.2f}\t{-0.2 * r:.2f}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_windows_match_hand_count(tmp_path: Path) -> None:
    data = read_annotations(write_tiny(tmp_path / "tiny.txt"))
    windows = windows_from_annotations(data)
    # start 0: peds 1, 2 | start 1: peds 1, 3 | start 2: peds 1, 3 | start 3: ped 1 alone -> dropped
    assert [len(w) for w in windows] == [2, 2, 2]
    first = windows[0]
    assert first.shape == (2, 20, 2)
    np.testing.assert_allclose(first[0, :, 0], [1 + 0.1 * r for r in range(20)], atol=1e-9)
    np.testing.assert_allclose(windows[1][1, :, 0], [3 + 0.1 * r for r in range(1, 21)], atol=1e-9)


def test_skip_and_min_ped(tmp_path: Path) -> None:
    data = read_annotations(write_tiny(tmp_path / "tiny.txt"))
    assert len(windows_from_annotations(data, WindowConfig(skip=2))) == 2  # starts 0 and 2
    assert len(windows_from_annotations(data, WindowConfig(min_ped=0))) == 4  # lone ped kept


def test_load_split_splits_obs_and_pred(tmp_path: Path) -> None:
    split = tmp_path / "eth" / "test"
    split.mkdir(parents=True)
    write_tiny(split / "tiny.txt")
    data = load_split("eth", "test", tmp_path)
    assert (data.num_windows, data.num_agents) == (3, 6)
    assert data.obs.shape == (6, 8, 2) and data.pred.shape == (6, 12, 2)
    assert data.window.tolist() == [0, 0, 1, 1, 2, 2]
    np.testing.assert_allclose(data.pred[0, 0], [1 + 0.8, -1.6], atol=1e-6)


def test_windows_know_their_last_observed_frame_and_recording(tmp_path: Path) -> None:
    test_dir = tmp_path / "eth" / "test"
    test_dir.mkdir(parents=True)
    write_tiny(test_dir / "tiny.txt")
    data = load_split("eth", "test", tmp_path)
    # windows start at ranks 0, 1, 2; their 8th frames are ranks 7, 8, 9
    assert data.obs_end.tolist() == [70.0, 80.0, 90.0]
    history = data.history["tiny"]
    assert len(history) == sum(len(ranks) for ranks in PRESENCE.values())
    assert (np.diff(history[:, 0]) >= 0).all()


def test_a_val_file_continues_its_recordings_train_file(tmp_path: Path) -> None:
    for split, offset in (("train", 0), ("val", 1000)):
        folder = tmp_path / "eth" / split
        folder.mkdir(parents=True)
        rows = [f"{offset + 10 * r}\t{p}\t{p}.0\t{r}.0" for r in range(20) for p in (1, 2)]
        (folder / f"rec_{split}.txt").write_text("\n".join(rows) + "\n")
    val = load_split("eth", "val", tmp_path)
    assert val.obs_end.tolist() == [1070.0]
    frames = val.history["rec"][:, 0]
    assert frames[0] == 0.0 and frames[-1] == 1190.0 and len(frames) == 80


def test_bad_input_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RobostackError, match="not found"):
        load_split("eth", "train", tmp_path)
    with pytest.raises(RobostackError, match="unknown ETH-UCY scene"):
        load_split("mars", "train", tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2 3\n")
    with pytest.raises(RobostackError, match="4 columns"):
        read_annotations(bad)


@pytest.mark.skipif(not (default_data_dir() / "eth").is_dir(), reason="shared ETH-UCY data not present")
def test_real_test_splits_have_published_sizes() -> None:
    # Social-GAN loader on the held-out scenes: (windows, agents)
    assert (lambda d: (d.num_windows, d.num_agents))(load_split("eth", "test")) == (70, 181)
    assert (lambda d: (d.num_windows, d.num_agents))(load_split("zara1", "test")) == (602, 2253)
