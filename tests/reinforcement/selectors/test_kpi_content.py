import pytest
from django.utils import timezone

from reinforcement.models import RepChoiceStat, RepQuestionStat
from reinforcement.selectors.kpi_content import (
    kpi_content_performance,
    kpi_misconception_list,
    kpi_misconceptions_by_topic,
)
from reinforcement.selectors.scoping import kpi_scope_get
from reinforcement.services.answers import answer_submit
from tests.factories.enablement import (
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_with_manager():
    team = TeamFactory()
    manager = UserFactory()
    team.managers.add(manager)
    return team, manager


def test_discrimination_and_flags(team_with_manager, django_assert_max_num_queries):
    """Four strong reps get q1-q3 right and q4 wrong; weak reps the reverse.

    q1: reps' score on q1 against their score on the rest is perfectly
    positive (+1); q4 perfectly negative (-1): flagged. q5 is missed by all
    (16 answers, none right): flagged as nobody gets it right.
    """
    # given
    team, manager = team_with_manager
    module = ModuleFactory(methodology__organization=team.organization)
    qs = [QuestionFactory(module=module, key=f"q{i}") for i in range(1, 6)]
    for i in range(8):
        rep = RepProfileFactory(team=team).user
        strong = i < 4
        for q in qs[:3]:
            RepQuestionStat.objects.create(
                rep=rep,
                question=q,
                topic=q.topic,
                answers=1,
                correct=int(strong),
                first_correct=strong,
            )
        RepQuestionStat.objects.create(
            rep=rep,
            question=qs[3],
            topic=qs[3].topic,
            answers=1,
            correct=int(not strong),
            first_correct=not strong,
        )
        RepQuestionStat.objects.create(rep=rep, question=qs[4], topic=qs[4].topic, answers=2,
                                       correct=0, first_correct=False)  # fmt: skip
    # when
    with django_assert_max_num_queries(6):
        perf = {
            p.key: p for p in kpi_content_performance(scope=kpi_scope_get(user=manager))
        }
    # then
    assert perf["q1"].discrimination == pytest.approx(1.0)
    assert perf["q4"].discrimination == pytest.approx(-1.0)
    assert perf["q4"].flags == ["strong reps miss it more"]
    assert perf["q1"].flags == []
    assert perf["q5"].flags == ["nobody gets it right"]
    assert perf["q5"].accuracy == 0 and perf["q5"].answers == 16
    assert perf["q1"].first_try_accuracy == pytest.approx(0.5)


def test_misconceptions_count_certain_wrong_choices(team_with_manager):
    """Two reps pick 'Wrong A' while certain (3 times); a guess is not counted."""
    # given
    team, manager = team_with_manager
    question = QuestionFactory(
        module__methodology__organization=team.organization, key="eb"
    )
    wrong_a = question.choices.get(text="Wrong A")
    wrong_b = question.choices.get(text="Wrong B")
    reps = [RepProfileFactory(team=team).user for _ in range(2)]
    for n, (rep, choice, confidence) in enumerate([
        (reps[0], wrong_a, "certain"), (reps[0], wrong_a, "certain"),
        (reps[1], wrong_a, "certain"), (reps[1], wrong_b, "guess"),
    ], start=1):  # fmt: skip
        prompt = make_prompt(rep=rep, question=question, local_date=f"2026-05-{n:02d}")
        answer_submit(rep_id=rep.pk, prompt_id=prompt.pk, choice_ids=[choice.pk],
                      confidence=confidence, idempotency_key=f"k{n}", now=timezone.now())  # fmt: skip
    # when
    scope = kpi_scope_get(user=manager)
    items = kpi_misconception_list(scope=scope)
    # then
    assert [
        (m.question_key, m.choice_text, m.certain_picks, m.reps) for m in items
    ] == [("eb", "Wrong A", 3, 2)]
    assert kpi_misconceptions_by_topic(scope=scope) == [(question.topic.name, 3)]
    (perf,) = kpi_content_performance(scope=scope)
    assert [(c.text, c.picks, c.certain_picks) for c in perf.wrong_choices] == [
        ("Wrong A", 3, 3), ("Wrong B", 1, 0),
    ]  # fmt: skip
    assert RepChoiceStat.objects.count() == 3
