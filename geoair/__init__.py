"""geoair: dust and air-pollution supervision around industrial sites, for Chinese bureaus.

The package is a set of sub-packages by capability over a shared store and I/O layer; see
docs/architecture.md.
"""

__version__ = "0.1.0"
