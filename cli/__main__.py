"""`python -m cli …` runs the `kb` command (the benchmark starts servers this way)."""

from cli.app import main

main()
