"""geoair: dust and air-pollution supervision around industrial sites, for Chinese bureaus.

The package is a set of modules, one per concern, each a set of pure functions over
(Geo)DataFrames; :mod:`geoair.cli` is a thin command line on top. See README.md.
"""

from geoair._errors import GeoairError
from geoair.workspace import Workspace, init_workspace, open_workspace

__all__ = ["GeoairError", "Workspace", "init_workspace", "open_workspace"]
__version__ = "0.1.0"
