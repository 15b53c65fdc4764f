"""``geoair serve``: the month's job in a browser (pages and a JSON API) on a workspace."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import get_workspace, workspace_option
from geoair.errors import ServeError
from geoair.messages import language, t


@click.command("serve", cls=Command)
@workspace_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
)
@click.option(
    "--max-upload-mb",
    default=200.0,
    show_default=True,
    type=click.FloatRange(min=0.001),
)
def command(
    workspace_dir: Path | None, host: str, port: int, lang: str | None, max_upload_mb: float
) -> None:
    """``geoair serve``; its help is ``help.serve`` in geoair.messages."""
    try:
        from geoair.web.server import check_can_serve, serve
    except ImportError as exc:
        raise ServeError(t("serve.needs_extra", name=exc.name)) from None

    ws = get_workspace(workspace_dir)
    check_can_serve(ws, host)
    shown = f"[{host}]" if ":" in host else host
    click.echo(t("serve.started", host=shown, port=port, root=ws.root))
    serve(ws, host=host, port=port, lang=lang or language(), max_upload_mb=max_upload_mb)
