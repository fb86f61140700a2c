"""`python -m shnor.cli …` (the server starts its worker this way)."""

from shnor.cli import main

main()
