"""Depth cameras fused into one world-frame point cloud (table top at z = 0).

Each camera renders RGB, depth and segmentation with pybullet's TinyRenderer (CPU). Pixels are
lifted to the world frame through the inverse of projection x view, so the cloud is in the world
frame whatever the camera pose. open3d then voxel-down-samples the fused cloud (each voxel keeps one
real point, so its colour and segment stay exact), drops statistical outliers and estimates normals;
the cloud is cropped to the workspace and resampled to a fixed N points (a random permutation,
repeated when too few, as M2T2's ``sample_points`` does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import open3d as o3d
from numpy.typing import NDArray

NEAR, FAR = 0.05, 3.0
WORKSPACE_LOW = np.array([-0.25, -0.42, -0.02])
WORKSPACE_HIGH = np.array([0.40, 0.42, 0.40])
TABLE_BAND = 0.005  # metres above the table top that count as table for thinning


@dataclass(frozen=True)
class Camera:
    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    fov: float = 60.0  # vertical field of view, degrees
    size: int = 192


@dataclass
class Cloud:
    """A fused cloud; ``segment`` holds pybullet body ids until the world maps them to objects."""

    points: NDArray[np.float32]
    rgb: NDArray[np.float32]
    segment: NDArray[np.int32]
    normals: NDArray[np.float32]

    def __len__(self) -> int:
        return int(self.points.shape[0])


def random_cameras(
    rng: np.random.Generator, count: int, size: int, centre: NDArray[np.float64]
) -> list[Camera]:
    """``count`` cameras on a ring above the workspace, looking at its centre from the front/sides
    (never from behind the robot), 0.75-1.0 m away, 40-70 degrees above the table."""
    cams = []
    base = rng.uniform(-0.6, 0.6)
    for i in range(count):
        azimuth = base + (i - (count - 1) / 2) * 1.4 + rng.uniform(-0.2, 0.2)  # radians around +x
        elevation = math.radians(rng.uniform(40.0, 70.0))
        dist = rng.uniform(0.75, 1.0)
        eye = centre + dist * np.array(
            [
                math.cos(elevation) * math.cos(azimuth),
                math.cos(elevation) * math.sin(azimuth),
                math.sin(elevation),
            ]
        )
        target = centre + rng.uniform(-0.03, 0.03, 3) * np.array([1, 1, 0])
        cams.append(Camera(tuple(map(float, eye)), tuple(map(float, target)), 60.0, size))  # type: ignore[arg-type]
    return cams


def render(client: int, cam: Camera) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.int32]]:
    """One camera's world-frame points (H*W, 3), colours in [0, 1] and body ids (-1 = nothing)."""
    import pybullet as p

    view = p.computeViewMatrix(cam.eye, cam.target, (0, 0, 1), physicsClientId=client)
    proj = p.computeProjectionMatrixFOV(cam.fov, 1.0, NEAR, FAR, physicsClientId=client)
    _, _, rgba, depth, seg = p.getCameraImage(
        cam.size,
        cam.size,
        view,
        proj,
        renderer=p.ER_TINY_RENDERER,
        physicsClientId=client,
    )
    h = w = cam.size
    depth = np.asarray(depth, np.float64).reshape(h, w)
    rgb = np.asarray(rgba, np.uint8).reshape(h, w, 4)[..., :3].astype(np.float32) / 255.0
    seg = np.asarray(seg, np.int64).reshape(h, w)
    body = np.where(seg >= 0, seg & ((1 << 24) - 1), -1).astype(np.int32)
    # Pixel centres in normalised device coordinates; pybullet's image row 0 is the top.
    xs = (np.arange(w) + 0.5) / w * 2.0 - 1.0
    ys = 1.0 - (np.arange(h) + 0.5) / h * 2.0
    gx, gy = np.meshgrid(xs, ys)
    ndc = np.stack([gx, gy, 2.0 * depth - 1.0, np.ones_like(depth)], -1).reshape(-1, 4)
    pv = np.asarray(proj).reshape(4, 4).T @ np.asarray(view).reshape(4, 4).T
    world = ndc @ np.linalg.inv(pv).T
    pts = (world[:, :3] / world[:, 3:4]).astype(np.float32)
    valid = depth.reshape(-1) < 0.9999  # the far plane is empty space
    return pts[valid], rgb.reshape(-1, 3)[valid], body.reshape(-1)[valid]


def fuse(
    views: list[tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.int32]]],
    voxel: float = 0.004,
    table_voxel: float = 0.015,
) -> Cloud:
    """Fuse cameras' points, crop to the workspace, voxel-down-sample, drop outliers, add normals.

    Points on the table plane (z < `TABLE_BAND`) are thinned to a coarser grid: at one voxel size the
    bare table would hold ~99 % of a fixed-size cloud and 5-7 cm objects only a dozen points each.
    """
    pts = np.concatenate([v[0] for v in views])
    rgb = np.concatenate([v[1] for v in views])
    seg = np.concatenate([v[2] for v in views])
    keep = np.all((pts >= WORKSPACE_LOW) & (pts <= WORKSPACE_HIGH), axis=1)
    pts, rgb, seg = pts[keep], rgb[keep], seg[keep]
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(pts.astype(np.float64)))
    _, _, traced = pcd.voxel_down_sample_and_trace(
        voxel, pcd.get_min_bound() - voxel, pcd.get_max_bound() + voxel
    )
    first = np.array([int(np.asarray(ix)[0]) for ix in traced], dtype=np.int64)
    first.sort()  # a stable order independent of open3d's hash-map iteration
    pts, rgb, seg = pts[first], rgb[first], seg[first]
    keep = _thin_table(pts, table_voxel)
    pts, rgb, seg = pts[keep], rgb[keep], seg[keep]
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(pts.astype(np.float64)))
    _, inliers = pcd.remove_statistical_outlier(nb_neighbors=12, std_ratio=3.0)
    inl = np.sort(np.asarray(inliers, dtype=np.int64))
    pts, rgb, seg = pts[inl], rgb[inl], seg[inl]
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(pts.astype(np.float64)))
    pcd.estimate_normals(o3d.geometry.KDTreeSearchParamHybrid(radius=0.015, max_nn=20))
    pcd.orient_normals_towards_camera_location(np.array([0.0, 0.0, 2.0]))
    normals = np.asarray(pcd.normals, dtype=np.float32)
    return Cloud(pts.astype(np.float32), rgb.astype(np.float32), seg.astype(np.int32), normals)


def _thin_table(pts: NDArray[np.float32], table_voxel: float) -> NDArray[np.int64]:
    """Indices that keep every point above the table band and one per coarse cell on it."""
    low = pts[:, 2] < TABLE_BAND
    cells = np.floor(pts[low, :2] / table_voxel).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)
    return np.sort(np.concatenate([np.flatnonzero(~low), np.flatnonzero(low)[first]]))


def resample(cloud: Cloud, n: int, rng: np.random.Generator) -> Cloud:
    """Exactly ``n`` points: a random subset, or every point repeated in random order when too few."""
    m = len(cloud)
    if m == 0:
        raise ValueError("empty point cloud: nothing of the scene is in the workspace crop")
    if m >= n:
        idx = rng.permutation(m)[:n]
    else:
        idx = np.concatenate([rng.permutation(m) for _ in range(-(-n // m))])[:n]
    return Cloud(cloud.points[idx], cloud.rgb[idx], cloud.segment[idx], cloud.normals[idx])
