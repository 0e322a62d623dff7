"""migration-checks: governance checks for pull requests that carry data migrations."""

__version__ = "0.1.0"
