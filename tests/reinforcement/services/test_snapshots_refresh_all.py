import datetime as dt

import pytest

from reinforcement.models import (
    KpiFillState,
    MemoryModelFit,
    MemoryState,
    RepTopicSnapshot,
)
from reinforcement.services.rollups.snapshots import snapshots_refresh_all
from tests.factories.enablement import QuestionFactory, RepProfileFactory, TeamFactory

pytestmark = pytest.mark.django_db

# A Tuesday night, and the nights after it.
TUESDAY = dt.datetime(2026, 3, 3, 23, tzinfo=dt.UTC)
WEDNESDAY = TUESDAY + dt.timedelta(days=1)
NEXT_TUESDAY = TUESDAY + dt.timedelta(days=7)


def reviewed_rep(team):
    """A rep with one reviewed question of their organization."""
    rep = RepProfileFactory(team=team).user
    MemoryState.objects.create(
        rep=rep,
        question=QuestionFactory(module__methodology__organization=team.organization),
        state=MemoryState.State.REVIEW,
        stability=5.0,
        difficulty=5.0,
        last_review=TUESDAY - dt.timedelta(days=2),
    )
    return rep


@pytest.fixture
def reps():
    """Four reps in id order; the third's organization has a corrupt adopted fit,
    so the snapshot of the second chunk of two reps fails."""
    team, broken_team = TeamFactory(), TeamFactory()
    reps = [reviewed_rep(team), reviewed_rep(team), reviewed_rep(broken_team)]
    reps.append(reviewed_rep(team))
    MemoryModelFit.objects.create(
        organization=broken_team.organization, fitted_at=TUESDAY, parameters=[1.0],
        previous_parameters=[], adopted=True, train_reviews=0, holdout_reviews=0,
    )  # fmt: skip
    return reps


def computed_at() -> dict[int, dt.datetime]:
    return dict(RepTopicSnapshot.objects.values_list("rep_id", "computed_at"))


def crash(now):
    with pytest.raises(ValueError, match="parameters"):
        snapshots_refresh_all(now=now, chunk_size=2)


def test_a_crashed_run_leaves_its_committed_chunks_and_their_progress(reps):
    """The chunks before the failing one stay written, and the fill says how far it got."""
    crash(TUESDAY)

    assert computed_at() == {reps[0].id: TUESDAY, reps[1].id: TUESDAY}
    fill = KpiFillState.objects.get(name="snapshots")
    assert (fill.state, fill.last_id, fill.end_time) == ("started", reps[1].id, TUESDAY)


def test_a_rerun_in_the_same_week_resumes_after_the_last_committed_chunk(reps):
    """Reps already done this week are not read again; the rest are, as of the rerun."""
    crash(TUESDAY)
    MemoryModelFit.objects.update(adopted=False)

    written = snapshots_refresh_all(now=WEDNESDAY, chunk_size=2)

    assert written == 2
    assert computed_at() == {
        reps[0].id: TUESDAY, reps[1].id: TUESDAY,
        reps[2].id: WEDNESDAY, reps[3].id: WEDNESDAY,
    }  # fmt: skip
    fill = KpiFillState.objects.get(name="snapshots")
    assert (fill.state, fill.last_id, fill.end_time) == ("done", None, WEDNESDAY)


def test_a_finished_run_is_followed_by_a_full_one(reps):
    """Once a fill is done, the next run of the week starts from the first rep."""
    MemoryModelFit.objects.update(adopted=False)
    snapshots_refresh_all(now=TUESDAY, chunk_size=2)

    assert snapshots_refresh_all(now=WEDNESDAY, chunk_size=2) == 4
    assert set(computed_at().values()) == {WEDNESDAY}


def test_a_new_week_starts_from_the_first_rep(reps):
    """A fill that crashed last week does not skip anyone this week."""
    crash(TUESDAY)
    MemoryModelFit.objects.update(adopted=False)

    assert snapshots_refresh_all(now=NEXT_TUESDAY, chunk_size=2) == 4
    assert RepTopicSnapshot.objects.filter(computed_at=NEXT_TUESDAY).count() == 4
