"""Where scheduled runs execute: read from the environment here, at the edge, and nowhere else.

    CONSULTATION_DASK_ADDRESS=tcp://10.0.0.5:8786   code on that Dask cluster (prefect-dask)
    CONSULTATION_LOCAL_WORKERS=4                    otherwise, processes coding on this machine

Without a Dask address the coding flow codes its batches as `consultation code` does: in
processes forked from the flow's (`coding.run.LocalProcesses`), one per core by default, none
below `parallel.PARALLEL_FROM` units (forking would cost more than it saves).
"""

from __future__ import annotations

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FlowSettings(BaseSettings):
    """Deployment knobs, not consultation knobs (those are the flows' typed parameters)."""

    model_config = SettingsConfigDict(env_prefix="CONSULTATION_", extra="ignore")

    dask_address: str | None = Field(
        default=None, description="Scheduler of an existing Dask cluster, e.g. tcp://10.0.0.5:8786"
    )
    local_workers: int | None = Field(
        default=None, ge=1,
        description="Processes coding batches when no Dask cluster is set (default: one per core, as the CLI)",
    )


def coding_task_runner(settings: FlowSettings) -> TaskRunner:
    """Dask when a cluster address is set (one Prefect task per batch on its workers); otherwise
    Prefect's default runner, and the coding flow codes its batches in local processes."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    return ThreadPoolTaskRunner()


def codes_in_local_processes(task_runner: TaskRunner | None) -> bool:
    """Whether a coding flow running on `task_runner` codes its batches in local processes: yes
    on Prefect's default thread pool (threads share one interpreter: coding is CPU-bound Python),
    no on any other runner (Dask), which gets one Prefect task per batch."""
    return task_runner is None or type(task_runner) is ThreadPoolTaskRunner
