"""Placeholder: commands of this module are being built."""


def register(subparsers) -> None:  # noqa: D401 - replaced by the module's owner
    return None
