"""Files uploaded to ``geoair serve``: streamed into the workspace under generated names.

An upload is read from the request as it arrives (``multipart/form-data``, parsed with
python-multipart, the parser Starlette uses) and written straight into
``WORKSPACE/uploads/`` under a name the server makes, ``YYYYMMDD-HHMMSS-<16 hex>.csv``:
the name the browser sends (which may be ``../../x.csv`` or ``C:\\x.csv``) is kept
only as text, to show the user, and lends the file nothing but its extension, which
must be one geoair reads. Nothing is spooled to the system's temporary folder, and the
body is counted as it arrives: past the size limit the partial file is removed and
:class:`~geoair.errors.UploadTooLarge` raised.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from geoair.errors import RequestError, UploadTooLarge
from geoair.io.readers import PARQUET_SUFFIXES, TABLE_SUFFIXES, VECTOR_SUFFIXES
from geoair.messages import t

__all__ = ["SUFFIXES", "UPLOADS_DIR", "Upload", "upload_suffix"]


UPLOADS_DIR = "uploads"
# Extensions geoair's readers take, longest first; a lone .shp is useless without its
# .dbf and .shx, so a Shapefile comes zipped.
SUFFIXES = tuple(
    sorted(
        {".osm.pbf", *VECTOR_SUFFIXES, *TABLE_SUFFIXES, *PARQUET_SUFFIXES} - {".shp", ".pbf"},
        key=len,
        reverse=True,
    )
)
_FIELD_MAX = 4096  # bytes of a text field (coords, encoding, sheet, date)


def upload_suffix(filename: str) -> str:
    """The extension of an uploaded file's name, if geoair reads it.

    Raises
    ------
    RequestError
        The name has no extension geoair reads (a lone ``.shp`` included).
    """
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().lower()
    for suffix in SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            return suffix
    if base.endswith(".shp"):
        raise RequestError(t("error.web.lone_shp"))
    raise RequestError(t("error.web.unknown_suffix", name=filename))


@dataclass
class Upload:
    """One uploaded file, stored, and the form's text fields.

    Attributes
    ----------
    path : Path
        Where the file was stored (inside ``WORKSPACE/uploads``).
    original_name : str
        The name the browser sent, as text only.
    size : int
        Bytes stored.
    fields : dict
        The other form fields (``coords``, ``encoding``, ``sheet``...), as text.
    """

    path: Path
    original_name: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)


def _generated_name(suffix: str) -> str:
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(8)}{suffix}"


def _too_large(limit: int) -> UploadTooLarge:
    mb = limit / 1e6
    return UploadTooLarge(t("error.web.too_large", mb=mb))


async def receive_upload(
    content_type: str,
    body: AsyncIterator[bytes],
    folder: Path,
    *,
    max_bytes: int,
    file_field: str = "file",
) -> Upload:
    """Stream a ``multipart/form-data`` body into ``folder`` under a generated name.

    Parameters
    ----------
    content_type : str
        The request's Content-Type (with its boundary).
    body : async iterator of bytes
        The request body as it arrives (``request.stream()``).
    folder : Path
        Where to store the file (made if missing); the workspace's ``uploads``.
    max_bytes : int
        Largest body accepted.
    file_field : str
        The form field holding the file.

    Returns
    -------
    Upload

    Raises
    ------
    UploadTooLarge
        The body is larger than ``max_bytes`` (nothing is kept).
    RequestError
        Not a multipart form, no file in ``file_field``, an empty file or an extension
        geoair does not read (nothing is kept).
    """
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header

    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise RequestError(t("error.web.not_multipart"))
    folder.mkdir(parents=True, exist_ok=True)
    state: dict = {"headers": {}, "name": b"", "value": b"", "part": None}
    fields: dict[str, str] = {}
    stored: dict = {"path": None, "handle": None, "original": None, "size": 0, "error": None}

    def on_part_begin() -> None:
        state["headers"] = {}
        state["part"] = {"name": None, "filename": None, "data": bytearray()}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["name"].lower()] = state["value"]
        state["name"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(state["headers"].get(b"content-disposition", b""))
        part = state["part"]
        part["name"] = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            part["filename"] = options[b"filename"].decode("utf-8", "replace")
        if part["name"] == file_field and part["filename"] is not None:
            if stored["path"] is not None or stored["error"] is not None:
                stored["error"] = RequestError(t("error.web.one_file"))
                return
            stored["original"] = part["filename"]
            try:
                suffix = upload_suffix(part["filename"])
            except RequestError as exc:
                stored["error"] = exc
                return
            path = folder / _generated_name(suffix)
            stored["handle"] = open(path, "xb")  # noqa: SIM115 - closed in on_part_end
            stored["path"] = path

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = state["part"]
        if part["filename"] is not None:
            handle: BinaryIO | None = stored["handle"]
            if handle is not None and part["name"] == file_field:
                handle.write(data[start:end])
                stored["size"] += end - start
            return
        if len(part["data"]) + end - start > _FIELD_MAX:
            stored["error"] = RequestError(t("error.web.field_too_long", name=part["name"]))
            return
        part["data"] += data[start:end]

    def on_part_end() -> None:
        part = state["part"]
        if part["filename"] is None and part["name"]:
            fields[part["name"]] = part["data"].decode("utf-8", "replace")
        elif stored["handle"] is not None and part["name"] == file_field:
            stored["handle"].close()
            stored["handle"] = None

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
    }

    def discard() -> None:
        if stored["handle"] is not None:
            stored["handle"].close()
            stored["handle"] = None
        if stored["path"] is not None:
            stored["path"].unlink(missing_ok=True)

    received = 0
    try:
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
        async for chunk in body:
            received += len(chunk)
            if received > max_bytes:
                raise _too_large(max_bytes)
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        discard()
        raise RequestError(t("error.web.bad_form")) from None
    except BaseException:
        discard()
        raise
    if stored["error"] is not None:
        discard()
        raise stored["error"]
    if stored["path"] is None:
        raise RequestError(t("error.web.no_file"))
    if stored["handle"] is not None:  # a part that never ended: a cut-off body
        discard()
        raise RequestError(t("error.web.cut_off"))
    if stored["size"] == 0:
        discard()
        raise RequestError(t("error.web.empty_file", name=stored["original"]))
    return Upload(
        path=stored["path"], original_name=stored["original"], size=stored["size"], fields=fields
    )
