"""The one error every subcommand raises for unusable input: exit code 2 (SPEC section 7)."""

from __future__ import annotations

import click


class ConfigurationError(click.ClickException):
    """An unusable policy, key, plan or output path: exit 2, like bad arguments."""

    exit_code = 2
