"""The approval gate: approvals, pull-request rules and labels (SPEC section 6).

``approvals``, ``pr_rules`` and ``labels`` are pure: they judge data handed to them. ``gate.run``
gathers that data (the migration directories, the stage results, and GitHub through
``migration_checks.github.api`` when a token is given) and builds the result; nothing here
imports PyGithub, so ``migration-checks check`` never loads it.
"""
