"""Where scheduled runs execute: read from the environment here, at the edge, and nowhere else.

    CONSULTATION_DASK_ADDRESS=tcp://10.0.0.5:8786   code on that Dask cluster (prefect-dask)
    CONSULTATION_LOCAL_WORKERS=4                    otherwise, threads coding on this machine
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
    local_workers: int = Field(
        default=2, ge=1, description="Threads coding batches when no Dask cluster is set"
    )


def coding_task_runner(settings: FlowSettings) -> TaskRunner:
    """Dask when a cluster address is set, threads on this machine otherwise."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    return ThreadPoolTaskRunner(max_workers=settings.local_workers)
