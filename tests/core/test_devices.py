import pytest
import torch

from robostack.core.devices import training_device
from robostack.core.errors import RobostackError


def test_training_device_is_checked_before_any_work() -> None:
    assert training_device("cpu").type == "cpu"
    with pytest.raises(RobostackError, match="not a torch device"):
        training_device("gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(RobostackError, match="no CUDA GPU"):
            training_device("cuda")
