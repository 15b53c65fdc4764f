"""``python -m geoair``: the same as the ``geoair`` command."""

from geoair.cli import main

__all__ = []


main()
