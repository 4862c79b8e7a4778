"""Which FSRS parameters an organization's reps are scheduled with."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from reinforcement.memory.scheduling import (
    DEFAULT_PARAMETERS,
    DEFAULT_RATING_MAP,
    MemoryModel,
)
from reinforcement.models import MemoryModelFit, RepMemory


def rating_map() -> Mapping[str, int]:
    """The answer-to-rating map: REINFORCEMENT_RATING_MAP, else the default."""
    return settings.REINFORCEMENT_RATING_MAP or DEFAULT_RATING_MAP


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


def rep_forgetting(*, rep_ids) -> dict[int, float]:
    """Each rep's forgetting multiplier (``RepMemory``); absent: 1.0. One query."""
    return dict(
        RepMemory.objects.filter(rep_id__in=rep_ids).values_list("rep_id", "forgetting")
    )


def rep_memory_models(
    *, rep_organizations: Mapping[int, int]
) -> dict[int, MemoryModel]:
    """Each rep's memory model: the organization's, with the rep's multiplier.

    ``rep_organizations`` maps rep id to organization id. One query per
    organization and one for all the reps' multipliers.
    """
    models = {
        org: organization_memory_model(organization_id=org)
        for org in set(rep_organizations.values())
    }
    forgetting = rep_forgetting(rep_ids=list(rep_organizations))
    return {
        rep: models[org].with_forgetting(forgetting.get(rep, 1.0))
        for rep, org in rep_organizations.items()
    }


def rep_memory_model(*, rep_id: int, organization_id: int) -> MemoryModel:
    """One rep's memory model (``rep_memory_models``). Two queries."""
    return rep_memory_models(rep_organizations={rep_id: organization_id})[rep_id]


@lru_cache(maxsize=64)
def fit_memory_model(fit_id: int | None) -> MemoryModel:
    """The model of one stored fit (None: the FSRS-6 defaults), built once per process.

    A fit's parameters never change once written, and the answer path reads
    which fit is adopted in the same statement that reads the prompt, so this
    cache needs no invalidation: adopting a new fit changes the id asked for.
    """
    if fit_id is None:
        return MemoryModel(DEFAULT_PARAMETERS)
    parameters = MemoryModelFit.objects.values_list("parameters", flat=True).get(
        pk=fit_id
    )
    return MemoryModel(parameters)


# The model report (docs/memory.md, "Model report") ------------------------------

REPORT_HISTORY = 24  # refits listed: a year of monthly ones, two months of nightly


@dataclass(frozen=True)
class MemoryModelReport:
    """What tells an organization whether its memory model's numbers can be trusted.

    ``latest`` is the newest refit that scored a hold-out; ``model`` and
    ``default`` its calibration summaries (``memory.calibration``) for the
    parameters in use after it and for the FSRS-6 defaults, on the same
    answers. ``adopted`` is the fit in use (None: the defaults). ``fits`` is
    the refit history, newest first.
    """

    organization_id: int
    latest: MemoryModelFit | None
    adopted: MemoryModelFit | None
    fits: list[MemoryModelFit]

    @property
    def model(self) -> dict | None:
        return (self.latest.calibration or {}).get("model") if self.latest else None

    @property
    def default(self) -> dict | None:
        return (self.latest.calibration or {}).get("default") if self.latest else None

    @property
    def parameters(self) -> tuple[float, ...]:
        return tuple(self.adopted.parameters) if self.adopted else DEFAULT_PARAMETERS


def memory_model_report(*, organization_id: int) -> MemoryModelReport:
    """The organization's model report, from its own refits (three queries)."""
    fits = MemoryModelFit.objects.filter(organization_id=organization_id)
    return MemoryModelReport(
        organization_id=organization_id,
        latest=fits.filter(calibration__isnull=False).order_by("-fitted_at").first(),
        adopted=fits.filter(adopted=True).order_by("-fitted_at").first(),
        fits=list(fits.order_by("-fitted_at")[:REPORT_HISTORY]),
    )
