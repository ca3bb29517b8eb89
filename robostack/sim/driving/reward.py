"""CaRL's simple reward (CARLA version, ``simple_reward.py``) and a shaped summed variant.

Simple (CaRL): ``r = ΔRC · f_route · f_lane · f_speed · f_ttc · f_comfort + r_term`` where

- ΔRC: route-completion gain this step, in percent (a whole route sums to 100);
- f_route: 0 while the ego is outside the route's lanes (wrong way, sidewalk, another road), else 1;
- f_lane = 1 − clip(d_lat / (lane_width / 2), 0, 1), outside junctions (1 inside);
- f_speed = max(0, 1 − (v − v_limit) / 2.23) above the limit, else 1;
- f_ttc = 0.5 while a time-to-collision violation is held (500 ticks after the last one);
- f_comfort = 1 − 0.5 · (#comfort metrics violated, each held 500 ticks) / 6;
- r_term = −1 when the episode terminates by collision or red-light running, 0 otherwise.

Summed (ablation, nuPlan-style additive shaping): the same terms added instead of multiplied,
``r = ΔRC · f_route + w_lane (f_lane − 1) + w_speed (f_speed − 1) + w_ttc (f_ttc − 1)
+ w_comfort (f_comfort − 1) + r_term_summed`` with r_term_summed = −10 on every failure termination,
so penalties cost reward every step even when the ego makes no progress.

The functions here are pure: the environment computes the inputs and holds the penalty timers.
"""

from __future__ import annotations

from dataclasses import dataclass

SPEEDING_SOFTENER = 2.23
"""m/s over the limit at which the speed factor reaches 0 (nuPlan's over-speed threshold)."""
TTC_FACTOR = 0.5
COMFORT_WEIGHT = 0.5
COMFORT_METRICS = ("lon_acc", "lat_acc", "jerk", "lon_jerk", "yaw_rate", "yaw_acc")
COMFORT_LIMITS = {
    "lon_acc": (-4.05, 2.40),
    "lat_acc": (-4.89, 4.89),
    "jerk": (-8.37, 8.37),
    "lon_jerk": (-4.13, 4.13),
    "yaw_rate": (-0.95, 0.95),
    "yaw_acc": (-1.93, 1.93),
}
"""nuPlan's comfort limits (m/s², m/s³, rad/s, rad/s²), as CaRL uses them."""
TERMINATIONS = ("collision", "red_light", "offroad", "off_route", "blocked")
HARD_TERMINATIONS = ("collision", "red_light")
"""Terminations that carry CaRL's terminal penalty (``use_rl_termination_hint``)."""
TERMINAL_PENALTY = 1.0
SUMMED_WEIGHTS = {"lane": 0.1, "speed": 0.1, "ttc": 0.1, "comfort": 0.1}
SUMMED_TERMINAL_PENALTY = 10.0


@dataclass(frozen=True)
class RewardInputs:
    """One step's measurements, as the reward sees them."""

    progress: float
    """Route-completion gain this step, percent of the route (ΔRC·100)."""
    in_route_lanes: bool = True
    in_junction: bool = False
    lateral_offset: float = 0.0
    """Distance of the ego from its lane's centre line, metres."""
    lane_width: float = 3.2
    speed: float = 0.0
    speed_limit: float = 13.89
    ttc_penalty: bool = False
    """A TTC violation is being held."""
    comfort_violations: int = 0
    """How many of the 6 comfort metrics are being held as violated."""
    termination: str | None = None
    """None, or one of `TERMINATIONS` / ``"completed"``."""


def lane_factor(x: RewardInputs) -> float:
    if x.in_junction:
        return 1.0
    return 1.0 - min(max(abs(x.lateral_offset) / (0.5 * x.lane_width), 0.0), 1.0)


def speed_factor(x: RewardInputs) -> float:
    over = x.speed - x.speed_limit
    return 1.0 if over <= 0 else max(0.0, 1.0 - over / SPEEDING_SOFTENER)


def ttc_factor(x: RewardInputs) -> float:
    return TTC_FACTOR if x.ttc_penalty else 1.0


def comfort_factor(x: RewardInputs) -> float:
    n = min(max(x.comfort_violations, 0), len(COMFORT_METRICS))
    return 1.0 - COMFORT_WEIGHT * n / len(COMFORT_METRICS)


def reward_terms(x: RewardInputs) -> dict[str, float]:
    """Every factor, for logging and for both rewards."""
    return {
        "progress": x.progress,
        "route": 1.0 if x.in_route_lanes else 0.0,
        "lane": lane_factor(x),
        "speed": speed_factor(x),
        "ttc": ttc_factor(x),
        "comfort": comfort_factor(x),
    }


def simple_reward(x: RewardInputs) -> float:
    """CaRL's reward: progress times the soft penalty factors, −1 on collision / red light."""
    t = reward_terms(x)
    r = t["progress"] * t["route"] * t["lane"] * t["speed"] * t["ttc"] * t["comfort"]
    if x.termination in HARD_TERMINATIONS:
        r -= TERMINAL_PENALTY
    return float(r)


def summed_reward(x: RewardInputs) -> float:
    """Shaped additive variant for the reward ablation (see the module docstring)."""
    t = reward_terms(x)
    r = t["progress"] * t["route"]
    for name, weight in SUMMED_WEIGHTS.items():
        r += weight * (t[name] - 1.0)
    if x.termination in TERMINATIONS:
        r -= SUMMED_TERMINAL_PENALTY
    return float(r)


REWARDS = {"simple": simple_reward, "summed": summed_reward}


def comfort_violated(signals: dict[str, float]) -> list[bool]:
    """Which comfort metrics exceed nuPlan's limits, in `COMFORT_METRICS` order."""
    out = []
    for name in COMFORT_METRICS:
        lo, hi = COMFORT_LIMITS[name]
        out.append(not (lo <= signals[name] <= hi))
    return out


def hold(ticks_left: int, violated: bool, hold_steps: int) -> int:
    """A penalty timer: restarts at ``hold_steps`` on a violation, else counts down to 0."""
    return hold_steps if violated else max(ticks_left - 1, 0)
