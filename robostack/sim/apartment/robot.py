"""The mobile manipulator's description: a differential-drive base carrying a Franka Panda.

The URDF is generated at run time. The Panda's kinematic chain (joint origins, axes and limits) is read
from ``pybullet_data/franka_panda/panda.urdf`` so the arm's kinematics are exactly the real robot's, but
every mesh is replaced by one or two primitive shapes: DESIGN.md §5 measured ~22 ms per 128x128 frame
for the Husky and Panda meshes, while primitives cost a fraction of a millisecond.

The links carry no collision shapes. The base and the arm are kinematic (poses are set, not simulated),
base collisions are checked against the occupancy grid, and a released object must fall freely out of
an opened hand rather than rest on a finger.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BASE_LENGTH = 0.50
BASE_WIDTH = 0.40
BASE_HEIGHT = 0.22
BASE_CLEARANCE = 0.08
"""Height of the base box's underside; the base top is at ``BASE_CLEARANCE + BASE_HEIGHT``."""
ARM_MOUNT = (0.10, 0.0, BASE_CLEARANCE + BASE_HEIGHT)
"""Panda link0 in the base frame (x forward)."""
HEAD_CAMERA = (-0.12, 0.0, 1.25)
"""Head camera position in the base frame."""
HEAD_PITCH = math.radians(30.0)
"""Head camera looks forward and this much down, to see tabletops in front of the robot."""

ARM_JOINTS = tuple(f"panda_joint{i}" for i in range(1, 8))
FINGER_JOINTS = ("panda_finger_joint1", "panda_finger_joint2")
GRASP_LINK = "panda_grasptarget"
HAND_LINK = "panda_hand"
FINGER_MAX = 0.04
"""Each finger's travel: the hand opens to 0.08 m."""

ARM_COLOR = "0.92 0.92 0.92 1"
DARK = "0.15 0.15 0.17 1"
BASE_COLOR = "0.85 0.6 0.1 1"


@dataclass(frozen=True)
class _Primitive:
    kind: str  # box | cylinder | sphere
    dims: tuple[float, ...]  # box: full extents; cylinder: (radius, length); sphere: (radius,)
    xyz: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rpy: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rgba: str = ARM_COLOR


def _segment(a: tuple[float, float, float], b: tuple[float, float, float], radius: float) -> _Primitive:
    """A cylinder from point a to point b (link frame)."""
    d = np.subtract(b, a)
    length = float(np.linalg.norm(d))
    pitch = math.atan2(math.hypot(d[0], d[1]), d[2])
    yaw = math.atan2(d[1], d[0])
    mid = tuple(float(v) for v in (np.add(a, b) / 2))
    return _Primitive("cylinder", (radius, length), mid, (0.0, pitch, yaw))  # type: ignore[arg-type]


ARM_VISUALS: dict[str, tuple[_Primitive, ...]] = {
    "panda_link0": (_segment((0, 0, 0), (0, 0, 0.2), 0.065),),
    "panda_link1": (_segment((0, 0, -0.14), (0, 0, 0.0), 0.06),),
    "panda_link2": (_segment((0, 0, 0), (0, -0.2, 0), 0.06),),
    "panda_link3": (
        _segment((0, 0, -0.12), (0, 0, 0), 0.055),
        _segment((0.0825, 0, -0.06), (0.0825, 0, 0.06), 0.055),
    ),
    "panda_link4": (_segment((0, 0, 0), (-0.0825, 0.25, 0), 0.055),),
    "panda_link5": (_segment((0, 0, -0.22), (0, 0, 0), 0.05),),
    "panda_link6": (_segment((0, 0, 0), (0.088, 0, 0), 0.045),),
    "panda_link7": (
        _segment(
            (0, 0, 0),
            (0, 0, 0.1),
            0.04,
        ),
    ),
    "panda_hand": (_Primitive("box", (0.05, 0.2, 0.06), (0, 0, 0.03), rgba=DARK),),
    "panda_leftfinger": (_Primitive("box", (0.02, 0.012, 0.054), (0, 0.006, 0.027), rgba=DARK),),
    "panda_rightfinger": (_Primitive("box", (0.02, 0.012, 0.054), (0, -0.006, 0.027), rgba=DARK),),
}


def _fmt(values: tuple[float, ...] | list[float]) -> str:
    return " ".join(f"{v:.6g}" for v in values)


def _visual_xml(p: _Primitive) -> ET.Element:
    visual = ET.Element("visual")
    ET.SubElement(visual, "origin", xyz=_fmt(p.xyz), rpy=_fmt(p.rpy))
    geometry = ET.SubElement(visual, "geometry")
    if p.kind == "box":
        ET.SubElement(geometry, "box", size=_fmt(p.dims))
    elif p.kind == "cylinder":
        ET.SubElement(geometry, "cylinder", radius=f"{p.dims[0]:.6g}", length=f"{p.dims[1]:.6g}")
    else:
        ET.SubElement(geometry, "sphere", radius=f"{p.dims[0]:.6g}")
    material = ET.SubElement(visual, "material", name="c_" + p.rgba.replace(" ", "_").replace(".", "p"))
    ET.SubElement(material, "color", rgba=p.rgba)
    return visual


def _link(name: str, visuals: tuple[_Primitive, ...], mass: float = 1.0) -> ET.Element:
    link = ET.Element("link", name=name)
    inertial = ET.SubElement(link, "inertial")
    ET.SubElement(inertial, "origin", xyz="0 0 0", rpy="0 0 0")
    ET.SubElement(inertial, "mass", value=f"{mass}")
    ET.SubElement(inertial, "inertia", ixx="0.01", ixy="0", ixz="0", iyy="0.01", iyz="0", izz="0.01")
    for v in visuals:
        link.append(_visual_xml(v))
    return link


def _fixed(
    name: str, parent: str, child: str, xyz: tuple[float, ...], rpy: tuple[float, ...] = (0, 0, 0)
) -> ET.Element:
    joint = ET.Element("joint", name=name, type="fixed")
    ET.SubElement(joint, "origin", xyz=_fmt(xyz), rpy=_fmt(rpy))
    ET.SubElement(joint, "parent", link=parent)
    ET.SubElement(joint, "child", link=child)
    return joint


def _base_links() -> list[ET.Element]:
    z_mid = BASE_CLEARANCE + BASE_HEIGHT / 2
    wheel_r = 0.08
    base = (
        _Primitive("box", (BASE_LENGTH, BASE_WIDTH, BASE_HEIGHT), (0, 0, z_mid), rgba=BASE_COLOR),
        *(
            _Primitive(
                "box",
                (2 * wheel_r, 0.05, 2 * wheel_r),
                (sx * 0.16, sy * (BASE_WIDTH / 2 + 0.005), wheel_r),
                rgba=DARK,
            )
            for sx in (-1, 1)
            for sy in (-1, 1)
        ),
    )
    mast_top = HEAD_CAMERA[2] - 0.03
    mast_bottom = BASE_CLEARANCE + BASE_HEIGHT
    mast = (
        _Primitive(
            "box",
            (0.05, 0.05, mast_top - mast_bottom),
            (HEAD_CAMERA[0] - 0.03, 0, (mast_top + mast_bottom) / 2),
            rgba=DARK,
        ),
    )
    camera = (_Primitive("box", (0.05, 0.12, 0.05), (0, 0, 0), rgba=DARK),)
    return [
        _link("base_link", base, mass=50.0),
        _link("mast", mast, mass=1.0),
        _fixed("base_to_mast", "base_link", "mast", (0, 0, 0)),
        _link("head_camera", camera, mass=0.1),
        _fixed("mast_to_head_camera", "mast", "head_camera", HEAD_CAMERA, (0, HEAD_PITCH, 0)),
    ]


def _panda_path() -> Path:
    import pybullet_data

    return Path(pybullet_data.getDataPath()) / "franka_panda" / "panda.urdf"


def build_urdf() -> str:
    """URDF text for the whole robot (base + mast + head camera + Panda with primitive visuals)."""
    panda = ET.parse(_panda_path()).getroot()
    robot = ET.Element("robot", name="mobile_panda")
    for element in _base_links():
        robot.append(element)
    robot.append(_fixed("base_to_panda", "base_link", "panda_link0", ARM_MOUNT))
    for child in panda:
        if child.tag == "link":
            name = child.get("name", "")
            for tag in ("visual", "collision", "contact"):
                for sub in child.findall(tag):
                    child.remove(sub)
            for v in ARM_VISUALS.get(name, ()):
                child.append(_visual_xml(v))
            robot.append(child)
        elif child.tag == "joint":
            robot.append(child)
    robot.insert(0, ET.Comment(" Generated by robostack/sim/apartment/robot.py (build_urdf); do not edit. "))
    ET.indent(robot)
    return ET.tostring(robot, encoding="unicode") + "\n"


def write_urdf(directory: Path) -> Path:
    """Write the URDF into ``directory`` (pybullet loads URDFs from files) and return its path."""
    path = directory / "mobile_panda.urdf"
    path.write_text(build_urdf())
    return path


if __name__ == "__main__":  # python -m robostack.sim.apartment.robot  -> refresh sim/robots/mobile_panda.urdf
    target = Path(__file__).resolve().parents[3] / "sim" / "robots"
    target.mkdir(parents=True, exist_ok=True)
    print(write_urdf(target))  # noqa: T201
