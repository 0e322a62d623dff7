"""The ``migration-checks`` command line: each subcommand parses options and calls the library.

Heavy modules are imported inside the commands, so ``--version`` and ``--help`` start fast.
"""

from __future__ import annotations

import os

import click

from migration_checks import __version__
from migration_checks.cli.check import check
from migration_checks.cli.discover import discover
from migration_checks.cli.explain import explain
from migration_checks.cli.gate import gate
from migration_checks.cli.keys import keygen, sign
from migration_checks.cli.merge_message import merge_message
from migration_checks.cli.protect import protect
from migration_checks.cli.scaffold import init
from migration_checks.cli.schemas import schemas


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="migration-checks")
def main() -> None:
    """Governance checks for pull requests that carry data migrations.

    Exit codes: 0 no blocking finding; 1 blocking findings; 2 usage or configuration error.
    """
    from migration_checks.github.event import refusal

    refused = refusal(os.environ)
    if refused is not None:
        from migration_checks.cli.options import fail

        fail(refused, "github")


for command in (
    check,
    discover,
    gate,
    merge_message,
    protect,
    explain,
    schemas,
    keygen,
    sign,
    init,
):
    main.add_command(command)
