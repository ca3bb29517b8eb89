"""Generate labelled grasp/place scenes (``robostack data collect grasp``).

Scene seeds run up from the recipe's ``seed``, skipping the ``reserved`` ranges (the episodes of
``robostack eval pick-place``). Scene ``seed`` goes to the test split when ``seed % test_every ==
test_every - 1`` and is then built from test object models only; every other scene uses train models.
Each scene is written as soon as it is done (atomically), and a re-run skips scenes already on disk,
so a killed collection resumes where it stopped.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from pydantic import Field

from robostack.core.config import StrictModel
from robostack.data.grasp_dataset import (
    HELD_POINTS,
    GraspScene,
    scene_path,
    write_info,
    write_scene,
)
from robostack.sim.tabletop import labels
from robostack.sim.tabletop.objects import RANDOM_TEST, TEST_PRIMITIVES, draw_model, split_names
from robostack.sim.tabletop.world import TabletopConfig, TabletopWorld


class GraspCollectConfig(StrictModel):
    """Recipe of the grasp dataset (``datasets/grasp.yaml``)."""

    scenes: int = Field(default=400, ge=1, description="scenes to generate")
    seed: int = Field(default=0, ge=0, description="first scene seed; later scenes count up from it")
    reserved: tuple[tuple[int, int], ...] = Field(
        default=((1000, 1199), (2000, 2099)),
        description="seed ranges never collected: the pick-place evaluation (1000-1099, 2000-2099) and "
        "validation (1100-1199) episodes",
    )
    test_every: int = Field(default=5, ge=2, description="every n-th scene is a test scene (unseen models)")
    grasps_per_object: int = Field(default=12, ge=1, description="antipodal candidates executed per object")
    min_objects: int = Field(default=2, ge=1)
    max_objects: int = Field(default=6, ge=1, le=10)
    num_points: int = Field(default=4096, ge=256)
    image_size: int = Field(default=160, ge=64, le=512)
    max_cameras: int = Field(default=3, ge=1, le=3)


def scene_seeds(cfg: GraspCollectConfig) -> list[int]:
    """The recipe's ``scenes`` seeds, counting up from ``seed`` around the reserved ranges."""
    free = (s for s in itertools.count(cfg.seed) if not any(lo <= s <= hi for lo, hi in cfg.reserved))
    return list(itertools.islice(free, cfg.scenes))


def split_of(seed: int, test_every: int) -> str:
    return "test" if seed % test_every == test_every - 1 else "train"


def generate_scene(world: TabletopWorld, seed: int, split: str, cfg: GraspCollectConfig) -> GraspScene:
    """Build, observe and label one scene (grasps by execution, placements on the receptacle)."""
    rng = np.random.default_rng([int(seed), 90210])
    world.build(seed, split)
    obs = world.observe(np.random.default_rng([int(seed), 31]), cfg.num_points)
    scene = world.scene
    assert scene is not None and scene.receptacle is not None
    grasps = labels.label_grasps(world, cfg.grasps_per_object, rng)
    contact = labels.contact_masks(obs.points, obs.segment, grasps)
    names = split_names(split)
    held = labels.make_held_object(draw_model(names, rng), rng, HELD_POINTS)
    grid, success = labels.label_placements(world, held)
    place_mask, region = labels.place_masks(obs.points, obs.segment, grid, success)
    return GraspScene(
        points=obs.points,
        rgb=obs.rgb,
        segment=obs.segment,
        object_names=scene.names,
        grasps=grasps,
        contact_mask=contact,
        held_points=held.points_ee,
        place_mask=place_mask,
        place_region=region,
        ee_pose=held.ee_pose.astype(np.float32),
        held_name=held.name,
        receptacle_index=len(scene.names) - 1,
        place_grid=grid.astype(np.float32),
        place_success=success,
        seed=int(seed),
    )


def dataset_info(cfg: GraspCollectConfig) -> dict[str, object]:
    return {
        "num_points": cfg.num_points,
        "held_points": HELD_POINTS,
        "yaw_bins": 8,
        "place_grid_m": labels.PLACE_GRID,
        "contact_radius_m": labels.CONTACT_RADIUS,
        "gripper": {"max_width": 0.08, "depth": 0.1034, "pose": "R=[b, a x b, a], t=c + w/2 b - 0.1034 a"},
        "object_split": {
            "rule": "scene seed % test_every == test_every - 1 -> test scene, built from test models only",
            "test_every": cfg.test_every,
            "test_models": {
                "random": f"random/{RANDOM_TEST.start:03d}-{RANDOM_TEST.stop - 1:03d}",
                "prim": [f"prim/{n}" for n in TEST_PRIMITIVES],
            },
            "train_models": {"random": "random/000-799", "prim": "every other prim/ model"},
        },
        "recipe": cfg.model_dump(),
        "seeds": [cfg.seed, scene_seeds(cfg)[-1]],
        "reserved_seeds": [list(r) for r in cfg.reserved],
    }


def collect(cfg: GraspCollectConfig, out: str | Path) -> Iterator[tuple[int, str, bool, float]]:
    """Generate every missing scene of the recipe; yields (seed, split, generated?, seconds)."""
    out = Path(out)
    write_info(out, dataset_info(cfg))
    world = TabletopWorld(
        TabletopConfig(
            num_points=cfg.num_points,
            image_size=cfg.image_size,
            max_cameras=cfg.max_cameras,
            min_objects=cfg.min_objects,
            max_objects=cfg.max_objects,
        )
    )
    try:
        for i, seed in enumerate(scene_seeds(cfg)):
            split = split_of(seed, cfg.test_every)
            if scene_path(out, split, seed).is_file():
                yield seed, split, False, 0.0
                continue
            start = time.perf_counter()
            scene = generate_scene(world, seed, split, cfg)
            write_scene(out, split, scene)
            yield seed, split, True, time.perf_counter() - start
            if i % 10 == 9:
                write_info(out, dataset_info(cfg))
    finally:
        world.close()
        write_info(out, dataset_info(cfg))


def summary(root: str | Path) -> dict[str, float]:
    """Label statistics of a generated dataset (for the card and the collect command's last line)."""
    from robostack.data.grasp_dataset import GraspDataset

    out: dict[str, float] = {}
    for split in ("train", "test"):
        ds = GraspDataset(root, split)  # type: ignore[arg-type]
        g = s = pl = pt = 0
        for i in range(len(ds)):
            sc = ds[i]
            g += sum(len(x) for x in sc.grasps)
            s += sum(int(x.success.sum()) for x in sc.grasps)
            pl += int(sc.place_success.sum())
            pt += int(sc.place_success.size)
        out[f"{split}_scenes"] = len(ds)
        out[f"{split}_grasps"] = g
        out[f"{split}_grasp_success_rate"] = s / g if g else math.nan
        out[f"{split}_place_success_rate"] = pl / pt if pt else math.nan
    return out
