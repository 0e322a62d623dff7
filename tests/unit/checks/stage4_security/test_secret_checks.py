"""secrets_scan and credential_validation on whole trees: what the case files cannot say (a file
that must not be reported, a finding that must not be doubled)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Tree


def findings(tree: Tree) -> list[dict[str, Any]]:
    (migration,) = tree.result(stages=(4,))["migrations"]
    return [f for f in migration["findings"] if f["check"] != "dependency_scan"]


def test_a_large_binary_file_is_skipped_as_detect_secrets_skips_it(make_tree: Any) -> None:
    tree = make_tree(
        mutations=[
            {"write_bytes": {"file": "runbooks/export.txt", "hex": "610a", "repeat": 60000}}
        ],
        policy={"/limits": {"max_file_bytes": 100000}},
    )
    paths = {f["path"] for f in findings(tree)}
    assert "runbooks/export.txt" in paths  # text over the limit: it may hold a secret
    assert "data/shop.sqlite" not in paths  # 139 kB, binary from its first bytes


def test_each_secret_is_reported_once_by_the_check_that_owns_its_file(make_tree: Any) -> None:
    value = "postgres://app:Pw9xK2qLm@replica/shop"
    tree = make_tree(
        mutations=[
            {"write": {"file": "configs/extra.yml", "content": f"replica: {value}\n"}},
            {"write": {"file": "runbooks/extra.md", "content": f"`{value}`\n"}},
        ]
    )
    found = [(f["check"], f["path"], f["line"]) for f in findings(tree)]
    assert sorted(found) == [
        ("credential_validation", "configs/extra.yml", 1),
        ("secrets_scan", "runbooks/extra.md", 1),
    ]


def test_a_baseline_that_is_a_link_suppresses_nothing(make_tree: Any) -> None:
    tree = make_tree(
        mutations=[
            {
                "write": {
                    "file": "code/fixture.py",
                    "content": 'T = "q8ZtR2vX7mN4pL9wK3sB6yH1cF5dG0jA"\n',
                }
            },
            {"symlink": {"file": ".secrets.baseline", "target": "/etc/hostname"}},
        ]
    )
    messages = {(f["path"], f["severity"], f["message"][:40]) for f in findings(tree)}
    assert (".secrets.baseline", "warning", "the baseline is a symbolic link; links a") in messages
    assert any(path == "code/fixture.py" and sev == "error" for path, sev, _ in messages)


def test_the_example_passes_with_nothing_reported(make_tree: Any) -> None:
    assert findings(make_tree()) == []


def test_a_tree_past_the_file_limit_blocks_as_an_incomplete_scan(make_tree: Any) -> None:
    """Padding the tree so that a file is never listed does not pass the scan: it blocks."""
    tree = make_tree(
        mutations=[
            {"write": {"file": f"aa_padding/f{i}.txt", "content": "x\n"}} for i in range(30)
        ],
        policy={"/limits": {"max_files": 20}},
    )
    incomplete = [
        f
        for f in findings(tree)
        if f["check"] == "secrets_scan" and "scan is incomplete" in f["message"]
    ]
    assert incomplete and incomplete[0]["blocker"] == "SECRETS_EXPOSED"
