"""``geoair serve``: the month's job in a browser, and a JSON API, over the workflows.

Same layer as the command line: it parses requests, calls the ``run_*`` functions of
:mod:`geoair.workflows` and renders their results; it adds no analysis of its own.
FastAPI, uvicorn, Jinja2, python-multipart and argon2-cffi come with the ``web`` extra
(``pip install "geoair[web]"``) and are imported only by ``geoair serve`` and ``geoair
users``.
"""

__all__ = [
    "app",
    "geojson",
    "jobs",
    "overview",
    "security",
    "server",
    "steps",
    "tables",
    "uploads",
    "users",
]
