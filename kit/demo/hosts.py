"""Which ``Host`` names the kit's Jupyter servers answer to: loopback ones, plus names the user adds.

A web page on another site can make the browser send requests to 127.0.0.1 under its own name (DNS
rebinding); checking the ``Host`` header refuses those. The check is jupyter_server's own
(``allow_remote_access=False`` with ``local_hostnames``): :func:`host_config` returns the settings for Voila
(``kit demo``) and for a Jupyter server (``ServerApp``), so every server the kit starts uses the same list.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterable
from typing import Any

from kit.errors import ConfigError

ENV = "KIT_ALLOW_HOSTS"  # comma-separated names to accept besides the loopback ones
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")  # jupyter_server accepts any loopback address, and these names
_NAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def allowed_names(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The host names to accept besides loopback addresses: ``localhost``, ``extra`` and ``KIT_ALLOW_HOSTS``.

    Raises:
        ConfigError: a name that is not a host name (an address, a port, a wildcard or a URL).
    """
    given = [*extra, *os.environ.get(ENV, "").split(",")]
    names = ["localhost"]
    for raw in given:
        name = raw.strip().lower().rstrip(".")
        if not name or name in names:
            continue
        _check(name, raw)
        names.append(name)
    return tuple(names)


def _check(name: str, raw: str) -> None:
    try:
        address = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        raise ConfigError(
            f"{raw!r} is an address, not a host name: loopback addresses ({', '.join(LOOPBACK[::2])}) are always "
            "accepted, and the server listens on 127.0.0.1 only, so no other address can reach it. "
            "Give a name instead, e.g. --allow-host myhost.local.")
    if not _NAME.match(name):
        raise ConfigError(
            f"{raw!r} is not a host name. Give a bare name such as myhost.local (no scheme, port, path or "
            f"wildcard), with --allow-host NAME or {ENV}=name1,name2.")


def tornado_settings(extra: Iterable[str] = ()) -> dict[str, Any]:
    """The jupyter_server handler settings that refuse any other ``Host`` (403)."""
    return {"allow_remote_access": False, "local_hostnames": list(allowed_names(extra))}


def host_config(extra: Iterable[str] = ()) -> Any:
    """A traitlets ``Config`` with the host check for Voila (``kit demo``) and a Jupyter server (``kit lab``)."""
    from traitlets.config import Config

    settings = tornado_settings(extra)
    config = Config()
    config.Voila.tornado_settings = dict(settings)  # Voila sets allow_remote_access=True; these win
    config.ServerApp.allow_remote_access = settings["allow_remote_access"]
    config.ServerApp.local_hostnames = settings["local_hostnames"]
    return config


def refusal(host: str, names: Iterable[str]) -> str:
    """The one-line answer to a request that named a host the server does not accept."""
    added = [name for name in names if name != "localhost"]
    return (f"Refused: this server answers only to {', '.join(LOOPBACK)}"
            + (f" and {', '.join(added)}" if added else "")
            + f", not to the host {host!r} this request named. If you reach it under that name on purpose, "
            f"start it with --allow-host NAME (or set {ENV}).")
