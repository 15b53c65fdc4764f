"""Run many tasks with bounded memory: a window of tasks in flight, results as they come.

:func:`run_tasks` sends ``func(payload, *args)`` for each payload to the cluster, at
most ``window`` at a time (two per worker by default), takes each result as soon as
it is done, frees it on the worker and sends the next payload. A worker therefore
never holds more than the inputs and outputs of a couple of tasks, whatever the number
of tasks; and since each payload travels inside its task (not as scattered data), the
scheduler can run the task again elsewhere when a worker dies (``retries``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

__all__ = ["run_tasks"]


def run_tasks(
    client: Client,
    func: Callable[..., Any],
    payloads: Iterable[Any],
    *,
    args: tuple = (),
    window: int | None = None,
    retries: int = 2,
) -> list[Any]:
    """``[func(p, *args) for p in payloads]`` on the cluster, in order, bounded in flight.

    Parameters
    ----------
    client : distributed.Client
    func : callable
        Run on a worker as ``func(payload, *args)``.
    payloads : iterable
        Consumed lazily: a payload is made only when its task is sent.
    args : tuple
        Further arguments, the same for every task.
    window : int, optional
        Tasks in flight at most (default: two per worker).
    retries : int
        Times the scheduler reruns a task that failed, e.g. because its worker died.

    Returns
    -------
    list
        The results, in the order of ``payloads``.
    """
    from concurrent.futures import CancelledError

    import dask
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    from geoair.distributed.cluster import worker_count
    from geoair.errors import ClusterError
    from geoair.messages import t

    window = window or 2 * worker_count(client)
    todo = enumerate(payloads)
    position: dict[str, int] = {}
    results: dict[int, Any] = {}

    def send() -> Any:
        item = next(todo, None)
        if item is None:
            return None
        i, payload = item
        # a payload travels with its task (so that it can be rerun), and may be large
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "4GB"}):
            future = client.submit(func, payload, *args, retries=retries, pure=False)
        position[str(future.key)] = i
        return future

    first = [f for f in (send() for _ in range(window)) if f is not None]
    if not first:
        return []
    running = as_completed(first, loop=client.loop)
    for future in running:
        try:
            results[position.pop(str(future.key))] = future.result()
        except (KilledWorker, CancelledError, OSError) as exc:  # the cluster, not the data
            raise ClusterError(
                t("error.distributed.task_failed", error=type(exc).__name__, times=retries + 1)
            ) from None
        future.release()
        following = send()
        if following is not None:
            running.add(following)
    return [results[i] for i in range(len(results))]
