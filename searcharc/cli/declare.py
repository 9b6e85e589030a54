"""Typer parameters made from ``searcharc.options``: a command's signature, declared once."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from enum import Enum, StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import typer

from searcharc.cli.complete import index_folders
from searcharc.options import Option

COMPLETERS = {"index": index_folders}  # Typer completes the rest (choices: their values)
TYPES = {"flag": bool, "int": int, "float": float, "path": Path, "str": str, "list": list[str]}


@cache
def choices(option: Option) -> type[StrEnum]:
    """The option's choices as the Enum that Typer shows and checks (``[auto|always|never]``)."""
    return StrEnum(option.dest.title().replace("_", ""), {c: c for c in option.choices})


def annotated(option: Option) -> Any:
    """``Annotated[type, typer.Option(…)]`` (or typer.Argument for the query) of one option."""
    declared = choices(option) if option.kind == "choice" else TYPES[option.kind]
    if option.default is None:
        declared = declared | None
    if option.flag is None:
        info = typer.Argument(help=option.help, show_default=option.show_default)
    else:
        info = typer.Option(
            option.flag,
            min=option.minimum,
            help=option.help,
            show_default=option.show_default,
            autocompletion=COMPLETERS.get(option.dest),
        )
    return Annotated[declared, info]


def default(option: Option) -> object:
    """The option's default as Typer holds it (a choice as its Enum member)."""
    if option.kind == "choice" and option.default is not None:
        return choices(option)(option.default)
    return option.default


def parameter(option: Option) -> inspect.Parameter:
    return inspect.Parameter(
        option.dest,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        default=default(option),
        annotation=annotated(option),
    )


def plain(value: object) -> object:
    """A choice's Enum member as its text, other values as they are."""
    return value.value if isinstance(value, Enum) else value


def command(options: Iterable[Option], run: Callable[..., None]) -> Callable[..., None]:
    """A function whose signature declares ``options`` to Typer; it calls ``run`` with the
    values given (choices as text)."""
    parameters = [parameter(option) for option in options]

    def typer_command(**values: object) -> None:
        run(**{name: plain(value) for name, value in values.items()})

    typer_command.__signature__ = inspect.Signature(parameters)
    typer_command.__annotations__ = {p.name: p.annotation for p in parameters}
    return typer_command
