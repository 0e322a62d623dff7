"""``keygen`` and ``sign``: make a planner key pair; sign a plan in place."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import click

from migration_checks.cli.errors import ConfigurationError

_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@click.command()
@click.argument("key_id")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path(),
              show_default=True, help="Directory for KEY_ID.pem (private) and KEY_ID.pub (public).")  # fmt: skip
def keygen(key_id: str, out_dir: Path) -> None:
    """Create an Ed25519 key pair for signing plans.

    The private key (KEY_ID.pem, mode 600) stays with the planner; the printed policy entry goes
    into the policy's signing.trusted_keys on the base branch.
    """
    from migration_checks import signing

    if not _KEY_ID.match(key_id):
        raise click.UsageError("KEY_ID: letters, digits, '.', '_' and '-', at most 64 characters")
    out_dir.mkdir(parents=True, exist_ok=True)
    private_path, public_path = out_dir / f"{key_id}.pem", out_dir / f"{key_id}.pub"
    key = signing.generate_private_key()
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigurationError(f"{private_path} exists; refusing to overwrite a key") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(signing.private_key_pem(key))
    public = signing.public_key_base64(key)
    public_path.write_text(public + "\n", encoding="ascii")
    click.echo(f"private key: {private_path} (keep it secret; never commit it)", err=True)
    click.echo(f"public key:  {public_path}", err=True)
    click.echo("add this entry to signing.trusted_keys in the policy:", err=True)
    click.echo(
        json.dumps(
            {"key_id": key_id, "algorithm": signing.ALGORITHM, "public_key": public}, indent=2
        )
    )


@click.command()
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Private key (PEM) written by `migration-checks keygen`.")  # fmt: skip
@click.option(
    "--key-id", required=True, help="The key's id, as listed in the policy's signing.trusted_keys."
)
def sign(plan_file: Path, key_file: Path, key_id: str) -> None:
    """Sign PLAN_FILE (plans/signed_plan_{plan_id}.json) in place.

    The signature covers the RFC 8785 canonical form of the plan, so the file's layout can change
    afterwards without invalidating it; any change of a value does.
    """
    from migration_checks import signing
    from migration_checks.documents import DocumentError, Limits, parse_document
    from migration_checks.validation import validate

    if not _KEY_ID.match(key_id):
        raise click.UsageError("--key-id: letters, digits, '.', '_' and '-', at most 64 characters")
    try:
        document = parse_document(str(plan_file), plan_file.read_bytes(), "json", Limits())
    except DocumentError as exc:
        raise ConfigurationError(
            "\n".join(
                f"{plan_file}:{p.line or '?'}:{p.column or '?'}: {p.message}" for p in exc.problems
            )
        ) from None
    problems = validate("signed_plan", document.data)
    if problems:
        lines = [f"{plan_file}:{document.at(p.pointer).line or '?'}: {p.message}" for p in problems]
        raise ConfigurationError(
            "the plan does not match its schema; fix it before signing:\n" + "\n".join(lines)
        )
    try:
        key = signing.load_private_key(key_file.read_bytes())
        signed = signing.sign_plan(document.data, key, key_id)
    except signing.SigningError as exc:
        raise ConfigurationError(f"{key_file if 'key' in str(exc) else plan_file}: {exc}") from None
    plan_file.write_text(json.dumps(signed, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"signed {plan_file} with key {key_id}", err=True)
