"""``keygen`` and ``sign``: make a planner key pair; sign a plan in place."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import click

from migration_checks.cli.errors import ConfigurationError

_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@click.command()
@click.argument("key_id")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path(),
              show_default=True, help="Directory for KEY_ID.pem (private) and KEY_ID.pub (public).")  # fmt: skip
@click.option("--add-to", "policy_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also add the public key to signing.trusted_keys of this policy (a JSON file, "
              "such as the starter policy init writes). A different key under KEY_ID is refused.")  # fmt: skip
def keygen(key_id: str, out_dir: Path, policy_file: Path | None) -> None:
    """Create an Ed25519 key pair for signing plans.

    The private key (KEY_ID.pem, mode 600) stays with the planner; the public key goes into the
    policy's signing.trusted_keys on the base branch: with --add-to POLICY keygen writes it
    there, else it prints the entry to add.
    """
    from migration_checks import signing

    if not _KEY_ID.match(key_id):
        raise click.UsageError("KEY_ID: letters, digits, '.', '_' and '-', at most 64 characters")
    policy = _policy_to_extend(policy_file, key_id) if policy_file is not None else None
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
    entry = {"key_id": key_id, "algorithm": signing.ALGORITHM, "public_key": public}
    click.echo(f"private key: {private_path} (keep it secret; never commit it)", err=True)
    click.echo(f"public key:  {public_path}", err=True)
    if policy_file is not None and policy is not None:
        policy.setdefault("signing", {}).setdefault("trusted_keys", []).append(entry)
        _write_policy(policy_file, policy)
        click.echo(f'added key "{key_id}" to signing.trusted_keys of {policy_file}', err=True)
        return
    click.echo("add this entry to signing.trusted_keys in the policy:", err=True)
    click.echo(json.dumps(entry, indent=2))


def _policy_to_extend(path: Path, key_id: str) -> dict[str, Any]:
    """The policy ``--add-to`` names, checked before any key is made: valid, JSON, and not
    trusting another key under ``key_id``."""
    from migration_checks.policy import PolicyError, load_policy

    if path.suffix.lower() != ".json":
        raise ConfigurationError(
            f"--add-to: {path} is not a .json file; keygen edits JSON policies only (a YAML "
            "policy keeps comments keygen would lose): leave out --add-to and add the printed "
            "entry to signing.trusted_keys yourself"
        )
    try:
        load_policy(path)
    except PolicyError as exc:
        raise ConfigurationError(f"--add-to: {exc}") from None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for entry in data.get("signing", {}).get("trusted_keys", []):
        if entry.get("key_id") == key_id:
            raise ConfigurationError(
                f'--add-to: {path} already trusts a key with the id "{key_id}"; a new key '
                "needs a new id (or remove that entry first, if its private key is lost)"
            )
    return data


def _write_policy(path: Path, data: dict[str, Any]) -> None:
    """Replace the policy file in one step: a reader sees the old file or the new one."""
    import tempfile

    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    Path(temporary).chmod(path.stat().st_mode & 0o777)
    Path(temporary).replace(path)


@click.command()
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Private key (PEM) written by `migration-checks keygen`.")  # fmt: skip
@click.option(
    "--key-id",
    help="The key's id, as listed in the policy's signing.trusted_keys. Default: the key "
    "file's name without .pem (keygen writes KEY_ID.pem).",
)
def sign(plan_file: Path, key_file: Path, key_id: str | None) -> None:
    """Sign PLAN_FILE (plans/signed_plan_{plan_id}.json) in place.

    The signature covers the RFC 8785 canonical form of the plan, so the file's layout can change
    afterwards without invalidating it; any change of a value does. A plan still holding the
    template's CHANGE_ME placeholders is refused.
    """
    from migration_checks import signing
    from migration_checks.documents import DocumentError, Limits, parse_document
    from migration_checks.validation import validate_filled

    if key_id is None:
        key_id = key_file.name.removesuffix(".pem")
        if not _KEY_ID.match(key_id):
            raise click.UsageError(
                f'--key-id: the key file\'s name "{key_file.name}" gives no key id; pass --key-id'
            )
    elif not _KEY_ID.match(key_id):
        raise click.UsageError("--key-id: letters, digits, '.', '_' and '-', at most 64 characters")
    try:
        document = parse_document(str(plan_file), plan_file.read_bytes(), "json", Limits())
    except DocumentError as exc:
        raise ConfigurationError(
            "\n".join(
                f"{plan_file}:{p.line or '?'}:{p.column or '?'}: {p.message}" for p in exc.problems
            )
        ) from None
    why_not = _not_a_plan(plan_file, document.data)
    if why_not is not None:
        raise ConfigurationError(f"{plan_file}: this is not a plan: {why_not}")
    problems = validate_filled("signed_plan", document.data)

    def where(pointer: str) -> str:
        location = document.at(pointer)
        return f"{plan_file}:{location.line or '?'}:{location.column or '?'}"

    placeholders = [p for p in problems if p.placeholder]
    if placeholders:
        lines = [f"{where(p.pointer)}: {p.message}" for p in placeholders]
        raise ConfigurationError(
            "the plan still holds placeholders from the template; fill them in before "
            "signing:\n" + "\n".join(lines)
        )
    if problems:
        lines = [f"{where(p.pointer)}: {p.message}" for p in problems]
        raise ConfigurationError(
            "the plan does not match its schema; fix it before signing:\n" + "\n".join(lines)
        )
    try:
        key = signing.load_private_key(key_file.read_bytes())
        signed = signing.sign_plan(document.data, key, key_id)
    except signing.SigningError as exc:
        raise ConfigurationError(f"{key_file if 'key' in str(exc) else plan_file}: {exc}") from None
    plan_file.write_text(json.dumps(signed, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"signed {plan_file} with key {key_id}{_since(document.data, signed)}", err=True)


def _not_a_plan(path: Path, data: object) -> str | None:
    """Why ``data`` is not a signed plan file, or None when it has a plan's shape."""
    if not isinstance(data, dict):
        return 'a plan file holds a JSON object with "schema_version" and "plan"'
    if isinstance(data.get("plan"), dict):
        return None
    hint = "sign plans/signed_plan_{plan_id}.json of the migration directory"
    if path.name == ".migration_metadata.json" or {"project_id", "state", "target_state"} <= set(
        data
    ):
        plan_id = data.get("plan_id")
        if isinstance(plan_id, str) and _KEY_ID.match(plan_id):
            hint = f"sign {path.parent / 'plans' / f'signed_plan_{plan_id}.json'}"
        return f"it is the migration's metadata, which is not signed; {hint}"
    return f'it has no "plan" object (a plan file holds "schema_version" and "plan"); {hint}'


def _since(before: dict[str, object], after: dict[str, object]) -> str:
    """What re-signing changed, as far as the old signature tells."""
    old = before.get("signature")
    if not isinstance(old, dict):
        return ""
    recorded, new = old.get("sha256"), after["signature"]
    assert isinstance(new, dict)
    when = f" of {old['signed_at']}" if isinstance(old.get("signed_at"), str) else ""
    if not isinstance(recorded, str):
        return f" (replacing the signature{when})"
    if recorded == new["sha256"]:
        return f" (the plan is unchanged since the signature{when})"
    return f" (the plan changed since the signature{when})"
