from migration_checks.cli import main

main()
