"""Exceptions raised by geoair.

Every exception subclasses both :class:`GeoairError` and a built-in, so callers can
catch either. Messages say what is wrong, why, and what to do, in words a bureau
clerk understands; the command line prints them as they are.
"""

from __future__ import annotations

__all__ = [
    "AccessError",
    "CRSError",
    "ClusterError",
    "ConfigError",
    "FontMissingError",
    "FormError",
    "GeoairError",
    "IndicatorError",
    "InputFileError",
    "MapDataError",
    "OutputError",
    "PlanError",
    "RequestError",
    "SchemaError",
    "ServeError",
    "SurfaceError",
    "TargetError",
    "UnknownPollutant",
    "UploadTooLarge",
    "WorkspaceError",
]


class GeoairError(Exception):
    """Base class of every error geoair raises on purpose."""


class InputFileError(GeoairError, ValueError):
    """A file cannot be read at all (missing, wrong format, wrong encoding, empty)."""


class SchemaError(GeoairError, ValueError):
    """A table lacks what its kind requires (a required column, a known header)."""


class CRSError(GeoairError, ValueError):
    """Coordinates whose reference system is missing, unknown or mixed up."""


class WorkspaceError(GeoairError, RuntimeError):
    """The workspace is missing, locked, damaged or lacks a needed layer."""


class ConfigError(GeoairError, ValueError):
    """``geoair.toml`` holds an unknown key or a value of the wrong type."""


class OutputError(GeoairError, OSError):
    """A result cannot be written where the user asked."""


class TargetError(GeoairError, ValueError):
    """Targets that cannot be checked as given."""


class UnknownPollutant(GeoairError, KeyError):
    """A pollutant or averaging time that HJ 633-2012 has no breakpoints for."""


class IndicatorError(GeoairError, ValueError):
    """Inputs that indicators cannot be computed from."""


class PlanError(GeoairError, ValueError):
    """A patrol plan cannot be made as asked (start, county, teams, stops)."""


class MapDataError(GeoairError, ValueError):
    """The workspace's layers cannot be put on a map as they are."""


class FontMissingError(OutputError):
    """No font that can draw Chinese characters is installed."""


class SurfaceError(GeoairError, ValueError):
    """A surface cannot be made from the data at hand."""


class FormError(GeoairError, ValueError):
    """A form cannot be filled from the data at hand."""


class RequestError(GeoairError, ValueError):
    """A request to the web app that cannot be carried out as given (a step, a parameter,
    an uploaded file)."""


class UploadTooLarge(RequestError):
    """An uploaded file larger than the server's limit (``geoair serve --max-upload-mb``)."""


class AccessError(GeoairError, PermissionError):
    """Who may use the web app: no user yet on an open address, a wrong password, a
    user that cannot be added."""


class ServeError(GeoairError, OSError):
    """The web server cannot start (its port is taken, its address is not this
    computer's)."""


class ClusterError(GeoairError, ConnectionError):
    """A Dask cluster cannot be reached or started, or dask is not installed."""
