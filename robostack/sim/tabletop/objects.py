"""Object models of the tabletop world and their fixed train/test split.

Two families, both from what pybullet ships (no downloads):

- ``random/NNN``: pybullet_data's procedurally generated ``random_urdfs/NNN/NNN.obj`` blobs. Their
  collision shape is the mesh's convex hull (pybullet's rule for moving bodies), scaled so the
  largest extent is 6-8 cm (the stock 1.5 % scale makes most of them ~9 cm cubes, wider than the
  Panda's 8 cm opening in every direction). ``000``-``799`` train, ``800``-``999`` test.
- ``prim/<name>``: YCB-like primitives (boxes like cracker/sugar/jello boxes, cans, balls, bars):
  `PRIMITIVES` lists them; the names in `TEST_PRIMITIVES` are test models.

Evaluation (``robostack eval pick-place``) and the test split of the dataset use test models only,
so no model seen in training appears there.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import open3d as o3d
import pybullet_data
from numpy.typing import NDArray

from robostack.core.errors import RobostackError

RANDOM_TRAIN = range(0, 800)
RANDOM_TEST = range(800, 1000)

# name -> (kind, dims): box dims are full extents (x, y, z); cylinder (radius, height); sphere (r,)
PRIMITIVES: dict[str, tuple[str, tuple[float, ...]]] = {
    "cracker_box": ("box", (0.06, 0.12, 0.16)),
    "sugar_box": ("box", (0.04, 0.09, 0.14)),
    "jello_box": ("box", (0.035, 0.085, 0.07)),
    "pudding_box": ("box", (0.045, 0.11, 0.09)),
    "small_cube": ("box", (0.045, 0.045, 0.045)),
    "block": ("box", (0.05, 0.05, 0.08)),
    "bar": ("box", (0.03, 0.16, 0.03)),
    "flat_box": ("box", (0.07, 0.10, 0.03)),
    "soup_can": ("cylinder", (0.033, 0.10)),
    "tuna_can": ("cylinder", (0.042, 0.035)),
    "tall_can": ("cylinder", (0.028, 0.13)),
    "cup": ("cylinder", (0.035, 0.08)),
    "spam_can": ("box", (0.05, 0.10, 0.08)),
    "tennis_ball": ("sphere", (0.033,)),
    "golf_ball": ("sphere", (0.022,)),
    "baseball": ("sphere", (0.037,)),
    "dowel": ("cylinder", (0.012, 0.12)),
    "marker": ("cylinder", (0.009, 0.12)),
    "mustard_box": ("box", (0.055, 0.09, 0.17)),
    "brick": ("box", (0.05, 0.075, 0.05)),
    "puck": ("cylinder", (0.038, 0.025)),
    "short_can": ("cylinder", (0.03, 0.06)),
    "orange": ("sphere", (0.035,)),
    "toy_block": ("box", (0.04, 0.06, 0.04)),
}
TEST_PRIMITIVES = ("spam_can", "brick", "puck", "short_can", "orange", "toy_block")
# Models whose mesh open3d cannot read (random_urdfs/168.obj gives one vertex). They stay in the
# split lists, so every seed keeps drawing the same scene, and `draw_model` draws again.
UNUSABLE = frozenset({"random/168"})


@dataclass(frozen=True)
class ObjectModel:
    """One object model: its collision geometry (``kind`` + dims, or a mesh) and colour."""

    name: str
    kind: str  # box | cylinder | sphere | mesh
    dims: tuple[float, ...] = ()
    mesh_file: str = ""
    scale: float = 1.0
    rgba: tuple[float, float, float, float] = (0.5, 0.5, 0.5, 1.0)
    mass: float = 0.15


def split_names(split: str) -> list[str]:
    """Every model name in ``split`` ("train" or "test"), in a fixed order."""
    if split not in ("train", "test"):
        raise RobostackError(f"object split must be 'train' or 'test', got {split!r}")
    test = split == "test"
    prims = [n for n in PRIMITIVES if (n in TEST_PRIMITIVES) == test]
    randoms = RANDOM_TEST if test else RANDOM_TRAIN
    return [f"prim/{n}" for n in prims] + [f"random/{i:03d}" for i in randoms]


def draw_model(names: list[str], rng: np.random.Generator) -> str:
    """A model drawn uniformly from ``names``, drawing again on an `UNUSABLE` one."""
    while True:
        name = names[int(rng.integers(len(names)))]
        if name not in UNUSABLE:
            return name


def _colour(name: str) -> tuple[float, float, float, float]:
    """A stable colour per model (a hash, so it never depends on load order)."""
    h = hashlib.sha256(name.encode()).digest()
    r, g, b = (0.15 + 0.8 * h[i] / 255.0 for i in range(3))
    return (r, g, b, 1.0)


@functools.lru_cache(maxsize=2048)
def get_model(name: str) -> ObjectModel:
    """Look a model up by name (``prim/<name>`` or ``random/NNN``)."""
    family, _, key = name.partition("/")
    if family == "prim" and key in PRIMITIVES:
        kind, dims = PRIMITIVES[key]
        return ObjectModel(name, kind, dims, rgba=_colour(name))
    if family == "random" and key.isdigit() and 0 <= int(key) < 1000:
        path = Path(pybullet_data.getDataPath()) / "random_urdfs" / key / f"{key}.obj"
        vertices = np.asarray(o3d.io.read_triangle_mesh(str(path)).vertices)
        extent = float((vertices.max(0) - vertices.min(0)).max())
        target = 0.06 + 0.02 * (int(hashlib.sha256(name.encode()).hexdigest(), 16) % 1000) / 1000.0
        return ObjectModel(name, "mesh", mesh_file=str(path), scale=target / extent, rgba=_colour(name))
    raise RobostackError(f"unknown object model {name!r}; expected prim/<name> or random/000-999")


@functools.lru_cache(maxsize=2048)
def hull_mesh(name: str) -> o3d.geometry.TriangleMesh:
    """The model's collision geometry as an outward-oriented triangle mesh in its body frame
    (for meshes: the convex hull, which is what pybullet collides a moving mesh body with)."""
    m = get_model(name)
    if m.kind == "box":
        mesh = o3d.geometry.TriangleMesh.create_box(*m.dims)
        mesh.translate(-0.5 * np.asarray(m.dims))
    elif m.kind == "cylinder":
        mesh = o3d.geometry.TriangleMesh.create_cylinder(radius=m.dims[0], height=m.dims[1], resolution=24)
    elif m.kind == "sphere":
        mesh = o3d.geometry.TriangleMesh.create_sphere(radius=m.dims[0], resolution=12)
    else:
        raw = o3d.io.read_triangle_mesh(m.mesh_file)
        raw.scale(m.scale, center=np.zeros(3))
        mesh, _ = raw.compute_convex_hull()
        mesh.orient_triangles()
    mesh.compute_triangle_normals()
    mesh.compute_vertex_normals()
    return mesh


def surface_points(name: str, count: int, seed: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``count`` points spread uniformly over the model's surface, with outward normals (body frame)."""
    mesh = hull_mesh(name)
    o3d.utility.random.seed(int(seed) % (2**31))
    pcd = mesh.sample_points_uniformly(number_of_points=int(count), use_triangle_normal=True)
    pts = np.asarray(pcd.points)
    normals = np.asarray(pcd.normals)
    # Hull triangles from qhull can face inwards; flip normals that point towards the centroid.
    centre = np.asarray(mesh.vertices).mean(0)
    flip = np.einsum("ij,ij->i", normals, pts - centre) < 0
    normals[flip] *= -1
    return pts, normals


def half_height(name: str) -> float:
    """Half the model's extent along its body z axis (to rest it upright on a surface)."""
    v = np.asarray(hull_mesh(name).vertices)
    return float(-v[:, 2].min())
