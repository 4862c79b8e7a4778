"""Which FSRS parameters an organization's reps are scheduled with."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from django.conf import settings

from enablement.models import RepProfile
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


def rep_forgetting(*, rep_organizations: Mapping[int, int]) -> dict[int, float]:
    """Each rep's forgetting multiplier (``RepMemory``) against the organization
    given for them; absent, or fitted in another organization (a rep who
    moved): 1.0. One query."""
    rows = RepMemory.objects.filter(rep_id__in=list(rep_organizations)).values_list(
        "rep_id", "organization_id", "forgetting"
    )
    return {
        rep: forgetting
        for rep, organization, forgetting in rows
        if rep_organizations[rep] == organization
    }


def rep_memory_models(
    *, rep_organizations: Mapping[int, int], model: MemoryModel | None = None
) -> dict[int, MemoryModel]:
    """Each rep's memory model: the organization's, with the rep's multiplier.

    The one way a rep's recall is predicted outside the answer path (which
    reads the same multiplier in its one statement): planning, the refresher,
    progress, the KPI snapshots and retention at stage entry all call this.
    ``rep_organizations`` maps rep id to organization id; ``model`` replaces
    the organizations' own (tests, the simulator's fixed parameters). One
    query per organization and one for all the reps' multipliers.
    """
    models = {
        org: model or organization_memory_model(organization_id=org)
        for org in set(rep_organizations.values())
    }
    forgetting = rep_forgetting(rep_organizations=rep_organizations)
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
    the refit history, newest first. ``reps``: memory per rep, counted.
    """

    organization_id: int
    latest: MemoryModelFit | None
    adopted: MemoryModelFit | None
    fits: list[MemoryModelFit]
    reps: "RepMemorySummary"

    @property
    def model(self) -> dict | None:
        return (self.latest.calibration or {}).get("model") if self.latest else None

    @property
    def default(self) -> dict | None:
        return (self.latest.calibration or {}).get("default") if self.latest else None

    @property
    def parameters(self) -> tuple[float, ...]:
        return tuple(self.adopted.parameters) if self.adopted else DEFAULT_PARAMETERS


# Fewer reps with their own multiplier than this and the report gives counts
# only: the quartiles of two or three reps are their own multipliers.
DISTRIBUTION_MIN_REPS = 5


@dataclass(frozen=True)
class RepMemorySummary:
    """How many of the organization's reps have their own forgetting multiplier.

    Counts and quartiles only, naming no rep (the manager's page of one rep
    says how that rep forgets against the model). ``own`` reps have one in use
    (adopted by its hold-out), ``faster`` and ``slower`` of them;
    ``not_adopted`` were fitted but use the organization's model (the
    interval covered 1.0 or the later answers did not bear it out);
    ``too_few`` have fewer answers than a fit needs. ``quartiles`` (min, 25%,
    median, 75%, max) of the multipliers in use, None below
    DISTRIBUTION_MIN_REPS reps.
    """

    reps: int
    own: int
    faster: int
    slower: int
    not_adopted: int
    quartiles: tuple[float, float, float, float, float] | None

    @property
    def too_few(self) -> int:
        return max(self.reps - self.own - self.not_adopted, 0)


def rep_memory_summary(*, organization_id: int) -> RepMemorySummary:
    """The organization's active reps' multipliers, counted (two queries)."""
    rows = list(
        RepMemory.objects.filter(
            organization_id=organization_id, rep__is_active=True
        ).values_list("adopted", "forgetting")
    )
    own = sorted(f for adopted, f in rows if adopted and f != 1.0)
    return RepMemorySummary(
        reps=RepProfile.objects.filter(
            team__organization_id=organization_id, user__is_active=True
        ).count(),
        own=len(own),
        faster=sum(f > 1.0 for f in own),
        slower=sum(f < 1.0 for f in own),
        not_adopted=len(rows) - len(own),
        quartiles=tuple(float(q) for q in np.quantile(own, [0, 0.25, 0.5, 0.75, 1]))
        if len(own) >= DISTRIBUTION_MIN_REPS
        else None,
    )


def memory_model_report(*, organization_id: int) -> MemoryModelReport:
    """The organization's model report, from its own refits and its reps'
    multipliers (five queries)."""
    fits = MemoryModelFit.objects.filter(organization_id=organization_id)
    return MemoryModelReport(
        organization_id=organization_id,
        latest=fits.filter(calibration__isnull=False).order_by("-fitted_at").first(),
        adopted=fits.filter(adopted=True).order_by("-fitted_at").first(),
        fits=list(fits.order_by("-fitted_at")[:REPORT_HISTORY]),
        reps=rep_memory_summary(organization_id=organization_id),
    )
