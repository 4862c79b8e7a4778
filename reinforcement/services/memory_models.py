"""Which FSRS parameters an organization's reps are scheduled with."""

from reinforcement.models import MemoryModelFit
from reinforcement.services.scheduling import DEFAULT_PARAMETERS, MemoryModel


def organization_parameters(*, organization_id: int) -> tuple[float, ...]:
    """The latest adopted fit's parameters, or the FSRS-6 defaults."""
    fit = (
        MemoryModelFit.objects.filter(organization_id=organization_id, adopted=True)
        .order_by("-fitted_at")
        .values_list("parameters", flat=True)
        .first()
    )
    return tuple(fit) if fit else DEFAULT_PARAMETERS


def organization_memory_model(*, organization_id: int) -> MemoryModel:
    return MemoryModel(organization_parameters(organization_id=organization_id))
