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


def test_a_big_tree_scanned_by_workers_gives_what_one_process_gives(make_tree: Any) -> None:
    from migration_checks import secret_detection as sd
    from migration_checks.context import MigrationContext
    from migration_checks.policy import load_policy

    filler = "".join(f"SELECT col_{n} FROM t_{n};\n" for n in range(20000))  # ~0.5 MB a file
    mutations: list[dict[str, Any]] = [
        {"write": {"file": f"code/sql/big_{n}.sql", "content": filler}} for n in range(3)
    ]
    mutations += [
        {"write": {"file": f"code/sql/s{n}.sql", "content": f"-- password = Qz8rT{n}vW2mKx\n"}}
        for n in range(40)
    ]
    tree = make_tree(mutations=mutations)
    ctx = MigrationContext(tree.migration, "m", load_policy(tree.policy))
    paths = sorted(ctx.tree.files)
    assert sum(ctx.tree.files.values()) >= sd.scan.PARALLEL_BYTES
    options = sd.Options.from_policy(ctx.policy)
    alone = list(sd.scan_files(ctx, paths, options, workers=1))
    shared = list(sd.scan_files(ctx, paths, options, workers=2))
    assert shared == alone
    assert sum(len(scan.hits) for scan in shared) >= 40


def test_a_file_of_a_thousand_secrets_blocks_without_reading_on(make_tree: Any) -> None:
    lines = "".join(f"password = Hx{n:05}qTz9\n" for n in range(3000))
    tree = make_tree(mutations=[{"write": {"file": "runbooks/dump.txt", "content": lines}}])
    found = [f for f in findings(tree) if f["path"] == "runbooks/dump.txt"]
    stopped = [f for f in found if f["line"] is None]
    assert len(found) == 1001 and len(stopped) == 1
    assert stopped[0]["blocker"] == "SECRETS_EXPOSED"
    assert "stopped after the first 1000 secrets" in stopped[0]["message"]
    assert max(f["line"] for f in found if f["line"] is not None) <= 1000


def test_a_credential_in_a_file_s_name_blocks_and_is_never_shown(make_tree: Any) -> None:
    aws, github = "AKIAUJZDE8GXD6NCF10E", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    tree = make_tree(
        mutations=[
            {"write": {"file": f"code/{aws}.txt", "content": "nothing here\n"}},
            {"write": {"file": f"runbooks/{github}/notes.md", "content": "# notes\n"}},
            {
                "write": {
                    "file": "evidence/3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d.json",
                    "content": "{}\n",
                }
            },
        ]
    )
    outcome = tree.run("--format", "json", stages=(4,))
    assert aws not in outcome.output and github not in outcome.output
    found = [f for f in findings(tree) if "in the file's path" in f["message"]]
    assert len(found) == 2 and all(f["blocker"] == "SECRETS_EXPOSED" for f in found)
    assert {f["path"] for f in found} == {"code/[redacted].txt", "runbooks/[redacted]/notes.md"}
    assert all(f["line"] is None for f in found)


def test_a_yaml_tag_does_not_hide_the_secret_after_it(make_tree: Any) -> None:
    tree = make_tree(
        mutations=[
            {
                "replace": {
                    "file": "configs/migration_config.yml",
                    "old": "source:\n",
                    "new": 'source:\n  password: !secret "hunter2Secret!xyz"\n',
                }
            },
            {
                "write": {
                    "file": "runbooks/stack.yml",
                    "content": "token: !!str ghx_abcdefghijklmnop1234\nurl: !Ref Db\n",
                }
            },
        ]
    )
    found = {(f["check"], f["path"], f["line"]) for f in findings(tree) if f["blocker"]}
    assert ("credential_validation", "configs/migration_config.yml", 4) in found
    assert ("secrets_scan", "runbooks/stack.yml", 1) in found
    assert not any(path == "runbooks/stack.yml" and line == 2 for _, path, line in found)
