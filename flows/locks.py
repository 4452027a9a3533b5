"""One run at a time on a consultation's database, whichever deployment, worker or person starts it.

The night (ingestion and coding) writes the DuckDB file; the publication reads it for minutes at
national scale. DuckDB lets one process write, and no other open the file meanwhile, so the two
must not overlap. A deployment's own `concurrency_limit` only orders the runs of that deployment;
the night and the publication are two deployments (see `flows.serve`). Both take the slot of one
Prefect global concurrency limit named after the consultation, created on first use (limit 1):
the second to come waits for the first, up to `LOCK_WAIT_SECONDS`.

The slot is a lease renewed while the run is alive: a run killed in the middle frees it when its
lease expires (Prefect's default, 5 minutes), never holding the consultation for ever.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from consultation.errors import DatabaseBusyError

LOCK_WAIT_SECONDS = 3 * 3600


def lock_name(consultation_id: str) -> str:
    return f"consultation-{consultation_id}"


def ensure_lock(consultation_id: str) -> str:
    """The consultation's global concurrency limit (1 slot), created if missing; its name."""
    name = lock_name(consultation_id)
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):  # another run created it meanwhile
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    return name


@contextmanager
def consultation_lock(consultation_id: str, *, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the consultation's slot for the block; wait for it while another run holds it."""
    name = ensure_lock(consultation_id)
    with ExitStack() as stack:
        try:
            stack.enter_context(concurrency(name, occupy=1, timeout_seconds=wait_seconds, strict=True))
        except TimeoutError:
            raise DatabaseBusyError(
                f"La consultation « {consultation_id} » est occupée par une autre exécution (nuit ou "
                f"publication) depuis plus de {wait_seconds / 3600:g} h : cette exécution abandonne. "
                "Vérifiez les exécutions en cours dans l'interface de Prefect, puis relancez."
            ) from None
        yield
