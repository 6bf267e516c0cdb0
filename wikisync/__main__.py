"""``python -m wikisync`` runs the command line."""

from .cli import main

main()
