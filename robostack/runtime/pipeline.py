"""The Pipeline: run a Plan subtask by subtask on a Robot, with one retry for transient failures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from robostack.core import registry
from robostack.core.errors import ConfigError
from robostack.core.skill import Skill
from robostack.core.types import SKILLS, Plan, SkillResult, Subtask
from robostack.hal.robot import Robot

RETRYABLE = ("grasp_failed", "timeout", "collision")


APARTMENT_SKILLS = ("navigate", "pick", "place")


def select_skills(spec: str) -> dict[str, Skill]:
    """Build skills from ``"classical"`` (every skill), ``"learned"`` (the learned one where a skill has
    one, else classical) or per skill, ``"pick=learned,place=learned"`` (the others classical); later
    entries override earlier ones."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts:
        raise ConfigError("--skills: empty skill selection")
    chosen = dict.fromkeys(APARTMENT_SKILLS, "classical")
    available = set(registry.names("skill"))
    for part in parts:
        skill, sep, impl = part.partition("=")
        if not sep and part == "learned":
            chosen.update({s: part if f"{s}/{part}" in available else "classical" for s in APARTMENT_SKILLS})
        elif not sep:
            chosen.update(dict.fromkeys(APARTMENT_SKILLS, part))
        elif skill not in SKILLS:
            raise ConfigError(f"--skills: unknown skill {skill!r}; expected one of {', '.join(SKILLS)}")
        else:
            chosen[skill] = impl
    return {skill: registry.get("skill", f"{skill}/{impl}")() for skill, impl in chosen.items()}


@dataclass
class Pipeline:
    skills: dict[str, Skill]
    max_retries: int = 1
    on_subtask: Callable[[int, Subtask], None] | None = field(default=None, repr=False)

    def run(self, plan: Plan, robot: Robot) -> list[SkillResult]:
        """Every subtask's result; after a failure that retrying did not fix, the rest are skipped."""
        results: list[SkillResult] = []
        for index, subtask in enumerate(plan.subtasks):
            if results and not results[-1].success:
                results.append(SkillResult(subtask, False, "skipped", detail="an earlier subtask failed"))
                continue
            if self.on_subtask is not None:
                self.on_subtask(index, subtask)
            results.append(self._attempt(subtask, robot))
        return results

    def _attempt(self, subtask: Subtask, robot: Robot) -> SkillResult:
        skill = self.skills.get(subtask.skill)
        if skill is None:
            return SkillResult(subtask, False, "unsupported", detail=f"no {subtask.skill!r} skill loaded")
        result = skill.run(subtask, robot)
        for _ in range(self.max_retries):
            if result.success or result.reason not in RETRYABLE:
                break
            retry = skill.run(subtask, robot)
            retry.steps += result.steps
            retry.metrics.setdefault("retries", 1.0)
            result = retry
        return result
