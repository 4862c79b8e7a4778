"""Leaving and returning: a deactivated person is not planned or delivered, their open
prompts are withdrawn, their history stays; reactivation resumes from their memory."""

import csv
import datetime as dt
import io
import json
import logging
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.errors import ApplicationError
from enablement.services.people import (
    PersonData,
    person_deactivate,
    person_reactivate,
    person_upsert,
)
from enablement.services.person_data import person_data_export, person_erase
from reinforcement.models import (
    Answer,
    DailyPlan,
    Delivery,
    MemoryState,
    Prompt,
    RepDay,
)
from reinforcement.selectors.kpi_content import kpi_content_performance
from reinforcement.selectors.kpi_participation import kpi_participation_summary
from reinforcement.selectors.kpi_retention import kpi_trend_list
from reinforcement.selectors.kpi_summary import kpi_scope_summary
from reinforcement.selectors.planning import reps_due_for_planning
from reinforcement.selectors.prompts import prompts_open_for_rep
from reinforcement.selectors.scoping import kpi_scope_get
from reinforcement.services.answers import answer_submit
from reinforcement.services.delivery import plan_deliver
from reinforcement.services.planning import plans_create
from reinforcement.services.prompts import prompts_withdraw
from reinforcement.services.rollups.participation import participation_refresh
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MONDAY = dt.datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TUESDAY = MONDAY + dt.timedelta(days=1)
WEDNESDAY = MONDAY + dt.timedelta(days=2)


@pytest.fixture
def world():
    """A rep with Monday's dose delivered (one answered) and Tuesday's dose planned."""
    team = TeamFactory(organization__new_questions_per_day=3)
    organization = team.organization
    organization.default_daily_dose = 3
    organization.save()
    admin = UserFactory(username="leaving-admin", is_staff=True)
    organization.admins.add(admin)
    module = ModuleFactory(methodology__organization=organization)
    questions = [QuestionFactory(module=module) for _ in range(9)]
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    rep = person_upsert(
        organization=organization,
        data=PersonData(email="leaver@example.com", team=team, time_zone="UTC"),
    ).user
    peer = person_upsert(
        organization=organization,
        data=PersonData(email="stayer@example.com", team=team, time_zone="UTC"),
    ).user
    plans_create(rep_ids=[rep.pk, peer.pk], now=MONDAY)
    for plan in DailyPlan.objects.filter(local_date=MONDAY.date()):
        plan_deliver(plan_id=plan.pk, now=MONDAY)
    first = Prompt.objects.filter(rep=rep, local_date=MONDAY.date()).first()
    answer_submit(
        rep_id=rep.pk,
        prompt_id=first.pk,
        choice_ids=[first.question.choices.get(is_correct=True).pk],
        confidence="certain",
        idempotency_key="leaving-1",
        now=MONDAY + dt.timedelta(hours=1),
        refresh_inline=False,
    )
    plans_create(rep_ids=[rep.pk, peer.pk], now=TUESDAY)
    participation_refresh(days=[MONDAY.date(), TUESDAY.date()])
    return {"rep": rep, "peer": peer, "admin": admin, "questions": questions}


def _statuses(rep):
    return sorted(Prompt.objects.filter(rep=rep).values_list("status", flat=True))


def test_the_world_is_what_the_tests_below_assume(world):
    """Monday: 1 answered and 2 delivered prompts; Tuesday: 3 planned, 2 pending sends."""
    rep = world["rep"]
    assert _statuses(rep) == ["answered"] + ["delivered"] * 2 + ["planned"] * 3
    tuesday = DailyPlan.objects.get(rep=rep, local_date=TUESDAY.date())
    assert set(tuesday.deliveries.values_list("status", flat=True)) == {"pending"}
    assert tuesday.deliveries.count() == 2  # inbox and email


def test_deactivation_withdraws_exactly_the_open_prompts(world):
    """The 5 open prompts are withdrawn, the answered one stays; the peer is untouched."""
    rep, peer = world["rep"], world["peer"]
    peer_before = _statuses(peer)
    person_deactivate(membership=rep.membership, at=TUESDAY + dt.timedelta(hours=1))
    assert _statuses(rep) == ["answered"] + ["withdrawn"] * 5
    assert _statuses(peer) == peer_before
    assert not prompts_open_for_rep(rep_id=rep.pk, now=TUESDAY).exists()
    # Again: nothing left to withdraw, nothing breaks.
    person_deactivate(membership=rep.membership)
    assert _statuses(rep) == ["answered"] + ["withdrawn"] * 5


def test_no_delivery_goes_out_for_a_pending_plan_of_a_person_who_left(world):
    """Tuesday's pending inbox and email are canceled; delivering the plan sends nothing."""
    rep = world["rep"]
    tuesday = DailyPlan.objects.get(rep=rep, local_date=TUESDAY.date())
    sent_before = len(mail.outbox)
    person_deactivate(membership=rep.membership, at=TUESDAY)
    assert set(tuesday.deliveries.values_list("status", flat=True)) == {"canceled"}
    assert plan_deliver(plan_id=tuesday.pk, now=TUESDAY) == {
        "inbox": "canceled",
        "email": "canceled",
    }
    assert len(mail.outbox) == sent_before
    monday = DailyPlan.objects.get(rep=rep, local_date=MONDAY.date())
    assert set(monday.deliveries.values_list("status", flat=True)) == {"sent"}


def test_a_user_switched_off_in_admin_is_not_delivered_either(world):
    """is_active False alone (no deactivation) also cancels the send."""
    rep = world["rep"]
    rep.is_active = False
    rep.save()
    tuesday = DailyPlan.objects.get(rep=rep, local_date=TUESDAY.date())
    sent_before = len(mail.outbox)
    assert set(plan_deliver(plan_id=tuesday.pk, now=TUESDAY).values()) == {"canceled"}
    assert len(mail.outbox) == sent_before
    assert rep.pk not in reps_due_for_planning(now=WEDNESDAY)


def test_a_person_who_left_is_not_planned_at_the_next_run(world):
    rep, peer = world["rep"], world["peer"]
    person_deactivate(membership=rep.membership, at=TUESDAY)
    due = reps_due_for_planning(now=WEDNESDAY)
    assert rep.pk not in due and peer.pk in due
    outcomes = {
        o.rep_id: o.status for o in plans_create(rep_ids=due + [rep.pk], now=WEDNESDAY)
    }
    assert outcomes == {rep.pk: "no_profile", peer.pk: "planned"}
    assert not DailyPlan.objects.filter(rep=rep, local_date=WEDNESDAY.date()).exists()


def test_withdrawn_prompts_count_neither_as_answered_nor_as_missed(world):
    """Monday was 1 answered of 3 delivered (33%); withdrawn, it is 1 of 1."""
    rep = world["rep"]
    monday = RepDay.objects.get(rep=rep, day=MONDAY.date())
    assert (monday.delivered, monday.answered, monday.expired) == (3, 1, 0)
    person_deactivate(membership=rep.membership, at=TUESDAY)
    monday.refresh_from_db()
    assert (monday.delivered, monday.answered, monday.answered_on_time) == (1, 1, 1)
    # The hourly recount agrees with what the withdrawal wrote.
    participation_refresh(days=[MONDAY.date(), TUESDAY.date()])
    monday.refresh_from_db()
    assert (monday.delivered, monday.answered) == (1, 1)
    assert RepDay.objects.get(rep=rep, day=TUESDAY.date()).delivered == 0


def test_current_figures_drop_a_person_who_left_and_past_ones_keep_them(world):
    rep, admin = world["rep"], world["admin"]
    scope = kpi_scope_get(user=admin)
    before = kpi_participation_summary(scope=scope, now=TUESDAY)
    assert {r.rep.rep_id for r in before.rows} == {rep.pk, world["peer"].pk}
    person_deactivate(membership=rep.membership, at=TUESDAY)
    after = kpi_participation_summary(scope=scope, now=TUESDAY)
    assert [r.rep.rep_id for r in after.rows] == [world["peer"].pk]
    assert after.delivered == before.delivered - 3  # the peer's 3 remain
    # The weekly trend still holds the leaver's answered prompt.
    week = kpi_trend_list(scope=scope, now=TUESDAY, weeks=1)[0]
    assert week.delivered == after.delivered + 1


def test_reactivation_resumes_from_the_memory_states(world):
    """Nothing is reset: the same states, and a plan at the next run."""
    rep = world["rep"]
    fields = ("question_id", "state", "stability", "difficulty", "review_count", "due")
    states = sorted(MemoryState.objects.filter(rep=rep).values_list(*fields))
    person_deactivate(membership=rep.membership, at=TUESDAY)
    person_reactivate(membership=rep.membership)
    rep.refresh_from_db()
    assert rep.is_active and rep.membership.deactivated_at is None
    assert sorted(MemoryState.objects.filter(rep=rep).values_list(*fields)) == states
    assert rep.pk in reps_due_for_planning(now=WEDNESDAY)
    [outcome] = plans_create(rep_ids=[rep.pk], now=WEDNESDAY)
    assert outcome.status == "planned" and outcome.question_keys


def test_a_withdrawn_prompt_cannot_be_answered(world):
    """Withdrawn for an active rep (a retired question): refused as withdrawn."""
    rep = world["rep"]
    prompt = Prompt.objects.filter(rep=rep, status="delivered").first()
    # The peer was asked the same question on Monday: one prompt each.
    assert prompts_withdraw(now=TUESDAY, question_ids=[prompt.question_id]) == 2
    with pytest.raises(ApplicationError) as refused:
        answer_submit(
            rep_id=rep.pk,
            prompt_id=prompt.pk,
            choice_ids=[prompt.question.choices.first().pk],
            confidence="guess",
            idempotency_key="leaving-2",
            now=TUESDAY,
        )
    assert refused.value.code == "prompt_withdrawn"


def test_withdrawing_part_of_a_plan_keeps_its_deliveries(world):
    """Only a plan left with no open prompt has its sends canceled."""
    rep = world["rep"]
    tuesday = DailyPlan.objects.get(rep=rep, local_date=TUESDAY.date())
    one = tuesday.prompts.first()
    prompts_withdraw(now=TUESDAY, question_ids=[one.question_id], rep_ids=[rep.pk])
    assert set(tuesday.deliveries.values_list("status", flat=True)) == {"pending"}
    rest = list(
        tuesday.prompts.exclude(pk=one.pk).values_list("question_id", flat=True)
    )
    assert prompts_withdraw(now=TUESDAY, question_ids=rest, rep_ids=[rep.pk]) == 2
    assert set(tuesday.deliveries.values_list("status", flat=True)) == {"canceled"}
    assert Delivery.objects.filter(plan__rep=rep, status="sent").count() == 2


# GDPR requests: export and erasure.


def _figures(admin):
    """Team figures that include history: the weekly trend and content performance."""
    scope = kpi_scope_get(user=admin)
    return {
        "trend": kpi_trend_list(scope=scope, now=TUESDAY, weeks=2),
        "content": kpi_content_performance(scope=scope),
        "summary": kpi_scope_summary(scope=scope, now=TUESDAY).total,
    }


def test_export_contains_the_answers_memory_profile_and_membership(world):
    rep = world["rep"]
    tables = person_data_export(user=rep)
    [answer] = tables["answers"]
    assert answer["correct"] is True and answer["confidence"] == "certain"
    assert len(tables["memory_states"]) == MemoryState.objects.filter(rep=rep).count()
    assert len(tables["prompts"]) == 6
    assert tables["user"][0]["email"] == "leaver@example.com"
    assert tables["rep_profile"][0]["time_zone"] == "UTC"
    assert tables["membership"][0]["organization"] == rep.membership.organization.name


def test_export_person_writes_json_and_a_zip_of_csvs(world, tmp_path):
    call_command("export_person", "LEAVER@example.com", str(tmp_path / "p.json"))
    data = json.loads((tmp_path / "p.json").read_text())
    assert len(data["answers"]) == 1
    call_command("export_person", "leaver@example.com", str(tmp_path / "p.zip"))
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        assert {"data.json", "answers.csv", "memory_states.csv", "user.csv"} <= set(
            archive.namelist()
        )
        rows = list(csv.DictReader(io.StringIO(archive.read("answers.csv").decode())))
    assert [r["correct"] for r in rows] == ["True"]
    with pytest.raises(CommandError, match="No person"):
        call_command("export_person", "nobody@example.com", str(tmp_path / "x.json"))


def test_erasure_removes_identity_and_keeps_every_aggregate(world, caplog):
    rep, admin = world["rep"], world["admin"]
    rep.membership.external_id = "hr-42"
    rep.membership.save()
    person_deactivate(membership=rep.membership, at=TUESDAY)
    before = _figures(admin)
    assert before["trend"][-1].delivered > 0 and before["content"]
    answers = list(Answer.objects.filter(rep=rep).values_list("pk", "correct"))
    caplog.set_level(logging.INFO, logger="enablement.services.person_data")
    token = person_erase(user=rep, by="test")
    rep.refresh_from_db()
    assert rep.username == token and token.startswith("erased-")
    assert (rep.email, rep.first_name, rep.last_name) == ("", "", "")
    assert not rep.has_usable_password() and not rep.is_active
    assert rep.membership.external_id == ""
    assert (
        get_user_model().objects.filter(email__iexact="leaver@example.com").count() == 0
    )
    assert list(Answer.objects.filter(rep=rep).values_list("pk", "correct")) == answers
    assert _figures(admin) == before
    assert f"user {rep.pk} is now {token}" in caplog.text
    assert "leaver@example.com" not in caplog.text


def test_erase_person_needs_yes_and_changes_nothing_without_it(world):
    with pytest.raises(CommandError, match="--yes"):
        call_command("erase_person", "leaver@example.com")
    assert get_user_model().objects.filter(email="leaver@example.com").exists()
    out = io.StringIO()
    call_command("erase_person", "leaver@example.com", "--yes", stdout=out)
    assert "now erased-" in out.getvalue()
    assert not get_user_model().objects.filter(email="leaver@example.com").exists()


def test_admin_actions_export_and_erase_after_confirmation(world, client):
    rep = world["rep"]
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    url = reverse("admin:enablement_repprofile_changelist")
    selected = {"_selected_action": [rep.rep_profile.pk]}
    export = client.post(url, {"action": "person_data_download", **selected})
    assert export["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        assert len(json.loads(archive.read("data.json"))["answers"]) == 1
    ask = client.post(url, {"action": "person_erase_selected", **selected})
    assert ask.status_code == 200 and "cannot be undone" in ask.content.decode()
    rep.refresh_from_db()
    assert rep.email == "leaver@example.com"  # nothing erased before the answer
    done = client.post(
        url, {"action": "person_erase_selected", "confirm": "yes", **selected}
    )
    assert done.status_code == 302
    rep.refresh_from_db()
    assert rep.username.startswith("erased-") and rep.email == ""
