"""Driving metrics in the CARLA leaderboard's form.

- route completion (RC): share of the route driven before the episode ended, per route;
- infraction penalty: the product of one coefficient per infraction, ``0.60`` per collision with a
  vehicle and ``0.70`` per red light run (the leaderboard's values); off-road, off-route and blocked
  end the route instead, so they cost route completion (as route deviation and agent blocked do in
  the leaderboard);
- driving score (DS) = RC × infraction penalty, per route, averaged over routes;
- infractions per km: counts summed over all episodes / kilometres driven along the routes;
- stopped at red: of the red lights the ego met (halted for, or ran), the share it halted for.

`summarise` prints RC and DS **in percent (0–100)**, as the leaderboard does; the per-km figures are
counts per kilometre.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PENALTY = {"collision": 0.60, "red_light": 0.70}
"""Leaderboard coefficients (collision with a vehicle, red-light infraction)."""
INFRACTIONS = ("collision", "red_light", "offroad", "off_route", "blocked")


@dataclass(frozen=True)
class EpisodeResult:
    """One evaluated route."""

    route_completion: float
    """0..1."""
    distance_m: float
    infractions: dict[str, int] = field(default_factory=dict)
    termination_reason: str = ""
    seed: int = -1
    steps: int = 0
    episode_return: float = 0.0
    red_light_stops: int = 0
    """Stop lines the ego halted before while their light was red or yellow."""
    collision_kind: str = ""
    """For a route ended by a collision: "front", "rear" (hit from behind) or "side"."""

    @classmethod
    def from_info(cls, info: Mapping[str, Any], **extra: Any) -> EpisodeResult:
        """From the env's last-step ``info``."""
        return cls(
            route_completion=float(info["route_completion"]),
            distance_m=float(info["distance_m"]),
            infractions={k: int(v) for k, v in dict(info.get("infractions", {})).items()},
            termination_reason=str(info.get("termination_reason", "")),
            red_light_stops=int(info.get("red_light_stops", 0)),
            collision_kind=str(info.get("collision_kind", "")),
            **extra,
        )


def infraction_penalty(infractions: Mapping[str, int]) -> float:
    penalty = 1.0
    for name, coefficient in PENALTY.items():
        penalty *= coefficient ** int(infractions.get(name, 0))
    return penalty


def driving_score(result: EpisodeResult) -> float:
    """RC × infraction penalty, 0..1."""
    return result.route_completion * infraction_penalty(result.infractions)


def stopped_at_red(results: Sequence[EpisodeResult]) -> float | None:
    """Share of the red lights met (halted for, or run) that the ego halted for; None if it met none."""
    stops = sum(r.red_light_stops for r in results)
    met = stops + sum(r.infractions.get("red_light", 0) for r in results)
    return round(stops / met, 3) if met else None


def _as_result(item: EpisodeResult | Mapping[str, Any]) -> EpisodeResult:
    return item if isinstance(item, EpisodeResult) else EpisodeResult.from_info(item)


def summarise(results: Sequence[EpisodeResult | Mapping[str, Any]]) -> dict[str, float]:
    """Leaderboard figures over episodes (`EpisodeResult` or last-step info dicts): route_completion
    and driving_score in percent (0–100); collisions, red lights and off-road per km driven."""
    items = [_as_result(r) for r in results]
    if not items:
        raise ValueError("summarise needs at least one episode")
    km = max(sum(r.distance_m for r in items) / 1000.0, 1e-6)

    def per_km(name: str) -> float:
        return round(sum(r.infractions.get(name, 0) for r in items) / km, 3)

    return {
        "route_completion": round(100.0 * sum(r.route_completion for r in items) / len(items), 2),
        "driving_score": round(100.0 * sum(driving_score(r) for r in items) / len(items), 2),
        "collisions_per_km": per_km("collision"),
        "red_lights_per_km": per_km("red_light"),
        "offroad_per_km": per_km("offroad"),
        "off_route_per_km": per_km("off_route"),
        "blocked_per_km": per_km("blocked"),
        "stopped_at_red": stopped_at_red(items),
        "km_driven": round(km, 3),
        "episodes": len(items),
    }
