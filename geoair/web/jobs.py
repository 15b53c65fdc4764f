"""Long steps as jobs: one worker thread, the workspace's writers one at a time.

A step of the month's work (gate roads, indicators, a patrol plan...) can take from
seconds to minutes, longer than a browser should wait for one response. ``POST
/api/run/{step}`` therefore queues a :class:`Job` and answers at once with its id; one
worker thread runs the jobs in turn and the page polls ``GET /api/jobs/{id}`` for the
progress messages the workflow reports (:class:`geoair.progress.Progress`) and, at the
end, the result or the error.

Writes are serialised: every job, and every import (which answers in its own
request), holds :attr:`JobRunner.write_lock` while it works, so two requests never
write the workspace at once; the workspace's own file lock
(:mod:`geoair.store.lock`) still keeps other geoair processes (the command line) out
while one of them writes, and such a clash ends the job with its message.

A job runs in the context it was submitted in (:func:`contextvars.copy_context`), so it
speaks the language of the request that started it: its progress, its lines and its
error (a bilingual "中文。 / English." message shows that language's half).
"""

from __future__ import annotations

import contextvars
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from geoair.errors import GeoairError
from geoair.messages import in_language, t
from geoair.progress import Progress

__all__ = ["Job", "JobRunner"]


log = logging.getLogger(__name__)

_KEEP = 200  # finished jobs remembered
_MESSAGES = 50  # progress messages kept per job


@dataclass
class Job:
    """One run of a step: its state, its progress and its outcome.

    ``state`` goes ``queued`` -> ``running`` -> ``done`` or ``failed``; ``result`` is
    the step's output (JSON-ready), ``error`` the sentence the user reads.
    """

    id: str
    step: str
    params: dict[str, Any]
    user: str | None = None
    state: str = "queued"
    message: str = ""
    done: int | None = None
    total: int | None = None
    messages: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: dict[str, Any] | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The job as ``GET /api/jobs/{id}`` answers it."""
        end = self.finished or time.time()
        return {
            "id": self.id,
            "step": self.step,
            "params": self.params,
            "user": self.user,
            "state": self.state,
            "message": self.message,
            "done": self.done,
            "total": self.total,
            "messages": list(self.messages),
            "created": self.created,
            "seconds": None if self.started is None else round(end - self.started, 2),
            "result": self.result,
            "error": self.error,
        }


class JobRunner:
    """Runs jobs one after another in a worker thread, holding the write lock.

    Parameters
    ----------
    unexpected : str, optional
        The sentence shown for an error that is not a :class:`~geoair.errors.GeoairError`
        (a bug: its traceback goes to the server's log, never to the page); default the
        catalogue's ``web.internal_error`` in the job's language.
    """

    def __init__(self, unexpected: str | None = None) -> None:
        self.write_lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geoair-job")
        self._unexpected = unexpected

    def submit(
        self,
        step: str,
        params: dict[str, Any],
        work: Callable[[Progress], dict[str, Any]],
        *,
        user: str | None = None,
    ) -> Job:
        """Queue ``work(progress)``; it runs when the jobs before it are done."""
        job = Job(id=secrets.token_hex(8), step=step, params=params, user=user)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > _KEEP:
                oldest = next(iter(self._jobs.values()))
                if oldest.state in ("queued", "running"):
                    break
                self._jobs.popitem(last=False)
        context = contextvars.copy_context()  # the request's language
        self._executor.submit(context.run, self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Progress], dict[str, Any]]) -> None:
        def progress(message: str, /, *, done: int | None = None, total: int | None = None):
            job.message, job.done, job.total = message, done, total
            job.messages = [*job.messages[-(_MESSAGES - 1) :], message]

        with self.write_lock:
            job.state, job.started = "running", time.time()
            try:
                job.result = work(progress)
                job.state = "done"
            except GeoairError as exc:
                job.error, job.state = in_language(str(exc)), "failed"
            except Exception:
                log.exception("job %s (%s) failed", job.id, job.step)
                job.error, job.state = self._unexpected or t("web.internal_error"), "failed"
            finally:
                job.finished = time.time()

    def get(self, job_id: str) -> Job | None:
        """The job with this id, or None (unknown, or forgotten long ago)."""
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, n: int = 20) -> list[Job]:
        """The latest ``n`` jobs, newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))[:n]

    def wait(self, job_id: str, timeout: float = 600.0) -> Job | None:
        """Block until the job has ended (for scripts and tests); the job, or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            job = self.get(job_id)
            if job is None or job.state in ("done", "failed"):
                return job
            time.sleep(0.05)
        return self.get(job_id)

    def shutdown(self) -> None:
        """Stop taking jobs; wait for the one running."""
        self._executor.shutdown(wait=True, cancel_futures=True)
