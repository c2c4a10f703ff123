"""Secrets by reference: flow parameters say where a URL is kept, never the URL itself.

A reference is ``env:VARIABLE`` (an environment variable of the process that runs the flow) or
``secret:BLOCK`` (a Prefect Secret block). Prefect stores flow parameters in plain text (run
records, deployments, the UI), so only references may go there; the flow resolves them when it
runs and keeps the values out of logs, messages and the warehouse.
"""
from __future__ import annotations

import os
import re
from typing import Any, cast

#: Where ``seesaw run --publish`` / ``--notify`` take their URLs from.
PUBLISH_ENV = "SEESAW_PUBLISH_URL"
NOTIFY_ENV = "SEESAW_WEBHOOK_URL"

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BLOCK_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")  # Prefect block names: lowercase, digits, dashes


class SecretError(ValueError):
    """A secret reference is malformed, or names a variable or block that holds nothing."""


def parse(reference: str, what: str) -> tuple[str, str]:
    """``(kind, name)`` of a reference; anything else is refused without repeating it (it may be
    the secret itself)."""
    kind, _, name = str(reference).partition(":")
    if kind == "env" and _ENV_NAME.fullmatch(name):
        return kind, name
    if kind == "secret" and _BLOCK_NAME.fullmatch(name):
        return kind, name
    if kind == "secret":
        raise SecretError(f"{what}: not a Prefect block name (lowercase letters, digits and dashes)")
    raise SecretError(f"{what} takes a reference (env:VARIABLE or secret:BLOCK_NAME), not the value itself: "
                      "a value given as a parameter is stored in Prefect's run records")


def check_env(reference: str, what: str) -> None:
    """Fail fast, before Prefect starts, when an ``env:`` reference names an unset variable
    (a ``secret:`` reference needs Prefect's API and is resolved in the flow)."""
    if parse(reference, what)[0] == "env":
        resolve(reference, what)


def resolve(reference: str, what: str) -> str:
    """The value behind a reference; never log or print it (``seesaw.warehouse.publish.redact`` URLs).

    Raises
    ------
    SecretError
        Malformed reference, unset or empty variable, or a block that is missing or empty
        (one line naming the variable or block).
    """
    kind, name = parse(reference, what)
    if kind == "env":
        value = os.environ.get(name, "").strip()
        if not value:
            raise SecretError(f"{what}: environment variable {name} is not set")
        return value
    from prefect.blocks.system import Secret

    try:
        # called outside an event loop, ``load`` returns the block (typed as block-or-coroutine)
        value = str(cast("Secret[Any]", Secret.load(name)).get()).strip()
    except Exception as exc:  # noqa: BLE001 - missing block, wrong type or no API: name the block, not the error text
        raise SecretError(f"{what}: Prefect Secret block {name!r} cannot be read ({type(exc).__name__})") from None
    if not value:
        raise SecretError(f"{what}: Prefect Secret block {name!r} is empty")
    return value
