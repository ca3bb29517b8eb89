"""Committed assets under sim/ stay in sync with the code that defines them."""

from pathlib import Path

from robostack.core.config import load_config
from robostack.sim.apartment.config import ApartmentConfig
from robostack.sim.apartment.robot import build_urdf

ROOT = Path(__file__).resolve().parents[2]


def test_robot_urdf_is_current():
    committed = (ROOT / "sim" / "robots" / "mobile_panda.urdf").read_text()
    assert committed == build_urdf(), "run: python -m robostack.sim.apartment.robot"


def test_default_config_file_matches_the_model():
    assert load_config(ApartmentConfig, ROOT / "sim" / "apartment.yaml") == ApartmentConfig()
