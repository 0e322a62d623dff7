"""Stage 3: code quality of what code/ holds (Python, SQL, YAML, unit tests, types), with external tools."""
