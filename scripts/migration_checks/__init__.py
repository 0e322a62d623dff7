"""migration-checks: governance checks for pull requests that carry data migrations."""

__version__ = "1.0.0"
