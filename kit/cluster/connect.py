"""Reach a Dask scheduler from a ``distributed.Client`` or an address, and make sure it has workers."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from kit.errors import ClusterError, KitError

_START = ("Start one with `dask scheduler` and at least one `dask worker ADDRESS` (pip install "
          "'dask[distributed]'), or pass a running distributed.Client.")


def require_distributed():
    """Import ``distributed``, or say how to install it."""
    try:
        import distributed
    except ImportError:
        raise KitError("Running kit.map on a cluster needs Dask distributed: "
                       "pip install 'dask[distributed]' (it is in the kit's environment.yml).") from None
    return distributed


def _probe(address: str, timeout: float) -> None:
    """Fail fast, with the address, when nothing listens there (Dask itself retries until its timeout)."""
    parts = urlsplit(address if "://" in address else "tcp://" + address)
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or not parts.port:
        raise ClusterError(f"{address!r} is not a Dask scheduler address; give it as tcp://HOST:PORT "
                           "(the address `dask scheduler` prints).")
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(f"No Dask scheduler answers at {address} ({exc.strerror or exc}). {_START}") from None


def open_client(client_or_address, timeout: float = 10.0):
    """``(client, owned)``: the given client, or a new one connected to the address (``owned``: close it after)."""
    distributed = require_distributed()
    if isinstance(client_or_address, distributed.Client):
        return client_or_address, False
    if not isinstance(client_or_address, str):
        raise ClusterError(f"client= takes a distributed.Client or a scheduler address such as "
                           f"'tcp://127.0.0.1:8786', not {type(client_or_address).__name__}.")
    _probe(client_or_address, min(timeout, 5.0))
    try:
        return distributed.Client(client_or_address, timeout=timeout, set_as_default=False), True
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"Could not connect to the Dask scheduler at {client_or_address}: {exc}. {_START}") from None


def wait_for_workers(client, timeout: float) -> int:
    """How many workers the cluster has, waiting up to ``timeout`` seconds for the first one."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise ClusterError(
            f"The Dask scheduler at {client.scheduler.address} has no workers (waited {timeout:.0f}s). Start some "
            f"with `dask worker {client.scheduler.address} --nthreads 1` on each machine (or scale your cluster)."
        ) from None
    return len(client.scheduler_info(n_workers=-1)["workers"])
