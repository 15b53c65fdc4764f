"""Connect to a Dask cluster, or start a local one, for the ``dask`` engine.

:func:`dask_client` is the one way in: with a scheduler address it connects to an
existing cluster (``tcp://host:8786``, started with ``dask scheduler`` and ``dask
worker``); without one it starts a :class:`distributed.LocalCluster` of worker
processes on this machine, one thread each, each with a memory limit. Either way the
client is closed (and a local cluster stopped) when the ``with`` block ends.

A scheduler that does not answer, or dask not installed, raises :class:`ClusterError`
with one sentence saying what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from geoair.errors import ClusterError
from geoair.messages import t

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

__all__ = ["DEFAULT_WORKERS", "WORKER_MEMORY", "dask_client", "require_dask", "worker_count"]


log = logging.getLogger(__name__)

#: Worker processes of a local cluster when none is given (geoair's choice: the cores
#: of an office PC).
DEFAULT_WORKERS = 2
#: Memory limit of each local worker process. Tasks are sized to stay well under it
#: (README, "Beyond one machine"); geoair's choice.
WORKER_MEMORY = "2GB"


def require_dask() -> None:
    """Refuse clearly when the optional dask packages are missing."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ClusterError(t("error.distributed.needs_dask", missing=exc.name)) from None


@contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    memory_limit: str = WORKER_MEMORY,
    timeout_s: float = 10.0,
) -> Iterator[Client]:
    """A Dask client for the ``dask`` engine, closed when the block ends.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://192.168.1.10:8786``. Without it a
        local cluster of ``workers`` processes is started.
    workers : int, optional
        Worker processes of the local cluster (default :data:`DEFAULT_WORKERS`).
        Ignored with ``scheduler``: the cluster has the workers it has.
    memory_limit : str
        Memory limit of each local worker process (default 2 GB).
    timeout_s : float
        How long to wait for a scheduler to answer.

    Yields
    ------
    distributed.Client

    Raises
    ------
    ClusterError
        dask is not installed, the scheduler does not answer, or the local cluster
        cannot start.

    Examples
    --------
    >>> with dask_client(workers=2) as client:                    # doctest: +SKIP
    ...     print(worker_count(client))
    2
    """
    require_dask()
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        address = scheduler if "://" in scheduler else f"tcp://{scheduler}"
        try:
            client = Client(address, timeout=f"{timeout_s}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                t("error.distributed.no_scheduler", address=address, error=type(exc).__name__)
            ) from None
        log.info("connected to %s: %d workers", address, worker_count(client))
    else:
        n = DEFAULT_WORKERS if workers is None else int(workers)
        if n < 1:
            raise ClusterError(t("error.distributed.no_workers", workers=workers))
        try:
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                memory_limit=memory_limit,
                dashboard_address=None,
                worker_dashboard_address=None,
                scheduler_kwargs={"dashboard": False, "dashboard_address": None},
                silence_logs=logging.CRITICAL,  # shutdown chatter; task errors reach the client
            )
        except Exception as exc:  # a cluster that cannot start: say so in one sentence
            raise ClusterError(
                t("error.distributed.cluster_start", error=f"{type(exc).__name__}: {exc}")
            ) from None
        client = Client(cluster, set_as_default=False)
        log.info("local cluster of %d worker processes (%s each)", n, memory_limit)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def worker_count(client: Client) -> int:
    """Number of workers the client's scheduler knows now (at least 1)."""
    return max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
