"""User-facing errors. The CLI prints any `RobostackError` as one line and exits non-zero."""


class RobostackError(Exception):
    """An error caused by the user's input or environment, not a bug: no traceback needed."""


class ContractError(RobostackError, ValueError):
    """A message that breaks the shared contract (unknown skill, bad action, NaN observation...)."""


class ConfigError(RobostackError):
    """A config or launch file that cannot be read or fails validation; names the bad field."""


class UnknownEntryError(RobostackError, KeyError):
    """A name that is not in the registry (unknown world, skill, policy or parser backend)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])
