"""Which GitHub Actions events the suite refuses to run on, and why.

On ``pull_request`` (and ``pull_request_review``, ``merge_group``) the checkout holds what would
be merged, the token is read-only for forks and no secret reaches a fork's run. Some events that
also concern a pull request check out the base branch instead and run with the base's secrets and
a write token: every check would judge code the pull request does not carry, so a blocked pull
request would pass, and stage 3 would run the pull request's code beside those secrets. The
command line refuses them in every command when it runs in Actions (``GITHUB_ACTIONS=true``), so
no workflow, ours or a hand-written one, can call the suite from them by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping

_WHY_REFUSED = {
    "pull_request_target": (
        "it runs the base branch's workflow on the base branch's checkout, with its secrets and a "
        "write token"
    ),
    "workflow_run": "it runs on the default branch's checkout, with its secrets and a write token",
    "issue_comment": (
        "it runs on the default branch's checkout, with its secrets and a write token"
    ),
}
SUPPORTED = ("pull_request", "pull_request_review", "merge_group")


def refusal(environ: Mapping[str, str]) -> str | None:
    """Why the suite must not run in this Actions job, or None when it may."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return None
    event = environ.get("GITHUB_EVENT_NAME", "")
    why = _WHY_REFUSED.get(event)
    if why is None:
        return None
    return (
        f'migration-checks refuses to run on the "{event}" event: {why}, so the checks would '
        "judge code the pull request does not carry and stage 3 would run the pull request's "
        f"code beside those secrets. Trigger the workflow on {', '.join(SUPPORTED)} instead."
    )
