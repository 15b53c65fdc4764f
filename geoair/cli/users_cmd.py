"""``geoair users add|passwd|remove|list``: who may log in to ``geoair serve``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from geoair.cli._options import get_workspace, workspace_option
from geoair.messages import t


def _store(workspace_dir: Path | None):  # -> geoair.web.users.UserStore
    from geoair.web.users import UserStore

    return UserStore(get_workspace(workspace_dir).root)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    while True:
        password = click.prompt(t("users.password"), hide_input=True)
        if click.prompt(t("users.password_again"), hide_input=True) == password:
            return password
        click.echo(t("users.password_mismatch"), err=True)


@click.group("users")
def command() -> None:
    """Users of geoair serve, stored in the workspace (users.json; passwords hashed with
    Argon2id, never stored)."""


@command.command("add")
@click.argument("name")
@workspace_option
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def add(name: str, workspace_dir: Path | None, password_stdin: bool) -> None:
    """Add user NAME; the password is asked twice (at least 8 characters)."""
    store = _store(workspace_dir)
    store.add(name, _password(password_stdin))
    click.echo(t("users.added", name=name, path=store.path))


@command.command("passwd")
@click.argument("name")
@workspace_option
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def passwd(name: str, workspace_dir: Path | None, password_stdin: bool) -> None:
    """Set a new password for user NAME."""
    store = _store(workspace_dir)
    if name not in store.names():
        store.remove(name)  # says that there is no such user, and who there is
    store.add(name, _password(password_stdin), replace=True)
    click.echo(t("users.password_changed", name=name))


@command.command("remove")
@click.argument("name")
@workspace_option
def remove(name: str, workspace_dir: Path | None) -> None:
    """Remove user NAME (a running server ends their sessions at once)."""
    _store(workspace_dir).remove(name)
    click.echo(t("users.removed", name=name))


@command.command("list")
@workspace_option
def list_users(workspace_dir: Path | None) -> None:
    """List the users."""
    names = _store(workspace_dir).names()
    for name in names:
        click.echo(name)
    if not names:
        click.echo(t("users.none"))
