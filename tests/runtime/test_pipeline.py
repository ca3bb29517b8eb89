import pytest

from robostack.core.errors import ConfigError, UnknownEntryError
from robostack.core.types import Plan, SkillResult, Subtask
from robostack.runtime.metrics import episode_metrics, spl
from robostack.runtime.pipeline import Pipeline, select_skills


class ScriptedSkill:
    """Returns the queued outcomes in order."""

    def __init__(self, *outcomes: tuple[bool, str]):
        self.outcomes = list(outcomes)
        self.calls = 0

    def run(self, subtask, robot):
        self.calls += 1
        ok, reason = self.outcomes.pop(0)
        return SkillResult(subtask, ok, reason, steps=5, metrics={"spl": 0.5 if ok else 0.0})


PLAN = Plan(
    "go to the kitchen and pick up the red mug",
    "L1",
    (
        Subtask("navigate", "go_into", "kitchen"),
        Subtask("pick", "pick", "red mug"),
        Subtask("navigate", "stop"),
    ),
)


def test_pipeline_retries_transient_failures_once():
    nav, pick = ScriptedSkill((True, ""), (True, "")), ScriptedSkill((False, "grasp_failed"), (True, ""))
    results = Pipeline({"navigate": nav, "pick": pick}).run(PLAN, robot=None)
    assert [r.success for r in results] == [True, True, True]
    assert pick.calls == 2 and results[1].steps == 10


def test_pipeline_skips_the_rest_after_a_failure():
    nav, pick = ScriptedSkill((False, "not_found")), ScriptedSkill()
    results = Pipeline({"navigate": nav, "pick": pick}).run(PLAN, robot=None)
    assert [r.reason for r in results] == ["not_found", "skipped", "skipped"]
    assert nav.calls == 1  # not_found is not worth retrying


def test_missing_skill_is_unsupported():
    results = Pipeline({}).run(PLAN, robot=None)
    assert results[0].reason == "unsupported"


def test_episode_metrics_count_attempted_subtasks_only():
    nav, pick = ScriptedSkill((True, ""), (True, "")), ScriptedSkill((False, "not_found"))
    results = Pipeline({"navigate": nav, "pick": pick}).run(PLAN, robot=None)
    metrics = episode_metrics(results, wall_time=1.0, collisions=0)
    assert metrics["success"] == 0.0
    assert metrics["nav_success"] == 1.0 and metrics["spl"] == 0.5
    assert metrics["pick_success"] == 0.0
    assert "place_success" not in metrics


def test_spl_definition():
    assert spl(True, 4.0, 5.0) == pytest.approx(0.8)
    assert spl(True, 4.0, 3.0) == 1.0
    assert spl(False, 4.0, 4.0) == 0.0


def test_skills_not_named_stay_classical():
    chosen = {name: type(skill).__name__ for name, skill in select_skills("pick=learned").items()}
    assert chosen == {"navigate": "ClassicalNavigate", "pick": "M2T2Pick", "place": "ClassicalPlace"}


def test_select_skills_errors():
    with pytest.raises(ConfigError, match="unknown skill"):
        select_skills("dance=classical")
    with pytest.raises(UnknownEntryError, match="navigate/telepathy"):
        select_skills("navigate=telepathy")


def test_learned_takes_each_learned_skill_and_falls_back_to_classical(monkeypatch):
    from robostack.core import registry

    chosen = {name: type(skill).__name__ for name, skill in select_skills("learned").items()}
    assert chosen == {"navigate": "ViNTNavigate", "pick": "M2T2Pick", "place": "M2T2Place"}
    monkeypatch.delitem(registry._builtin_modules["skill"], "place/learned")
    monkeypatch.delitem(registry._entries["skill"], "place/learned")
    assert type(select_skills("learned")["place"]).__name__ == "ClassicalPlace"
