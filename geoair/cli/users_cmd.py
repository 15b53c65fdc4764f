"""``geoair users add|passwd|remove|list``: who may log in to ``geoair serve``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from geoair.cli._help import Group
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


@click.group("users", cls=Group)
def command() -> None:
    """``geoair users``; its help is ``help.users`` in geoair.messages."""


@command.command("add")
@click.argument("name")
@workspace_option
@click.option("--password-stdin", is_flag=True)
def add(name: str, workspace_dir: Path | None, password_stdin: bool) -> None:
    """``geoair users add``; its help is ``help.users.add`` in geoair.messages."""
    store = _store(workspace_dir)
    store.add(name, _password(password_stdin))
    click.echo(t("users.added", name=name, path=store.path))


@command.command("passwd")
@click.argument("name")
@workspace_option
@click.option("--password-stdin", is_flag=True)
def passwd(name: str, workspace_dir: Path | None, password_stdin: bool) -> None:
    """``geoair users passwd``; its help is ``help.users.passwd`` in geoair.messages."""
    store = _store(workspace_dir)
    if name not in store.names():
        store.remove(name)  # says that there is no such user, and who there is
    store.add(name, _password(password_stdin), replace=True)
    click.echo(t("users.password_changed", name=name))


@command.command("remove")
@click.argument("name")
@workspace_option
def remove(name: str, workspace_dir: Path | None) -> None:
    """``geoair users remove``; its help is ``help.users.remove`` in geoair.messages."""
    _store(workspace_dir).remove(name)
    click.echo(t("users.removed", name=name))


@command.command("list")
@workspace_option
def list_users(workspace_dir: Path | None) -> None:
    """``geoair users list``; its help is ``help.users.list`` in geoair.messages."""
    names = _store(workspace_dir).names()
    for name in names:
        click.echo(name)
    if not names:
        click.echo(t("users.none"))
