"""Policies saved as ``config.yaml`` + ``model.safetensors``: never pickle, so a stranger's
checkpoint can be loaded safely.

A policy is an ``nn.Module`` that mixes in `Pretrained`, names its config class and the command
that trains it, and keeps its settings in ``self.config``::

    class CarlPolicy(Pretrained, nn.Module):
        config_class = ModelConfig
        train_command = "robostack train carl"
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

from robostack.core.config import StrictModel, dump_config, load_config
from robostack.core.errors import ConfigError, RobostackError

CONFIG_FILE = "config.yaml"
WEIGHTS_FILE = "model.safetensors"

P = TypeVar("P", bound="Pretrained")


class Pretrained:
    config_class: ClassVar[type[StrictModel]]
    train_command: ClassVar[str]
    config: Any

    def save_pretrained(self, directory: str | Path) -> None:
        """Write both files; the weights go beside first and are then moved in, so a crash never
        leaves half a checkpoint."""
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        module = cast(Any, self)
        state = {k: v.detach().cpu().contiguous().clone() for k, v in module.state_dict().items()}
        partial = directory / (WEIGHTS_FILE + ".partial")
        save_file(state, str(partial))
        dump_config(self.config, directory / CONFIG_FILE)
        partial.replace(directory / WEIGHTS_FILE)

    @classmethod
    def from_pretrained(cls: type[P], directory: str | Path) -> P:
        """Rebuild from a directory `save_pretrained` wrote; a missing, damaged or mismatched
        checkpoint is one clear error line."""
        from safetensors.torch import load_file

        directory = Path(directory)
        if not directory.is_dir():
            raise RobostackError(f"{directory}: no such checkpoint directory; run `{cls.train_command}`")
        config = load_config(cls.config_class, directory / CONFIG_FILE)
        policy = cast(Any, cls)(config)
        weights = directory / WEIGHTS_FILE
        try:
            state = load_file(str(weights))
        except FileNotFoundError:
            raise RobostackError(f"{weights}: no such file; run `{cls.train_command}`") from None
        except Exception as err:  # safetensors raises several kinds on a damaged file
            raise RobostackError(f"{weights}: unreadable checkpoint, corrupt or truncated ({err})") from None
        try:
            policy.load_state_dict(state, strict=True)
        except RuntimeError as err:
            first = str(err).splitlines()[0] if str(err) else "mismatch"
            raise ConfigError(f"{directory}: weights do not match {CONFIG_FILE} ({first})") from None
        return cast(P, policy.eval())

    @classmethod
    def for_training(cls: type[P], config: StrictModel, init_from: str | Path | None = None) -> P:
        """A policy in training mode built from ``config``; a fine-tune (``init_from``) starts from
        that checkpoint's weights, which must fit ``config``."""
        policy = cast(Any, cls)(config).train()
        if init_from:
            policy.load_state_dict(cast(Any, cls.from_pretrained(init_from)).state_dict())
        return cast(P, policy)
