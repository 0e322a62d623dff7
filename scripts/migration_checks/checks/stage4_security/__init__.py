"""Stage 4: security of everything the pull request adds: secrets, credentials, dependencies."""
