import re
import textwrap

import pytest
import yaml

from enablement.models import Choice, Methodology, Module, Question, Topic
from enablement.services.content_export import content_dump, content_export
from enablement.services.content_format import ContentImportError
from enablement.services.content_import import content_import
from tests.factories.enablement import OrganizationFactory

pytestmark = pytest.mark.django_db

VALID = textwrap.dedent(
    """
    methodologies:
      - key: meddicc
        name: MEDDICC
    topics:
      - key: economic-buyer
        name: Economic buyer
      - key: champion
        name: Champion
    modules:
      - key: meddicc-101
        methodology: meddicc
        name: Foundations
        position: 1
    questions:
      - key: eb-1
        module: meddicc-101
        topic: economic-buyer
        type: single_choice
        status: published
        stem: Who signs the contract at Globex?
        explanation: The economic buyer has final authority over the spend.
        reference_url: https://playbook.example.com/meddicc#eb
        choices:
          - {text: The CFO who approves the budget, correct: true}
          - {text: The IT admin who ran the trial, correct: false, feedback: "A user, not a buyer."}
          - {text: The procurement analyst, correct: false}
      - key: ch-1
        module: meddicc-101
        topic: champion
        type: multiple_choice
        stem: Which signs show a real champion?
        explanation: A champion has power and sells for you when you are not there.
        choices:
          - {text: Gives you access to the economic buyer, correct: true}
          - {text: Shares the internal evaluation criteria, correct: true}
          - {text: Replies to your emails quickly, correct: false}
      - key: tf-1
        module: meddicc-101
        topic: champion
        type: true_false
        status: published
        stem: A coach and a champion are the same thing.
        explanation: A coach gives information; a champion has influence and acts.
        choices:
          - {text: "True", correct: false}
          - {text: "False", correct: true}
    """
)


def counts():
    return (
        Methodology.objects.count(),
        Topic.objects.count(),
        Module.objects.count(),
        Question.objects.count(),
        Choice.objects.count(),
    )


def test_valid_yaml_imports_everything(organization):
    summary = content_import(organization=organization, name="c.yaml", text=VALID)
    assert counts() == (1, 2, 1, 3, 8)
    assert summary.created["questions"] == 3
    eb = Question.objects.get(key="eb-1")
    assert eb.status == Question.Status.PUBLISHED and eb.published_at is not None
    assert [c.is_correct for c in eb.choices.all()] == [True, False, False]
    assert eb.choices.get(position=2).feedback == "A user, not a buyer."
    assert Question.objects.get(key="ch-1").status == Question.Status.DRAFT


def test_reimport_is_a_no_op(organization):
    content_import(organization=organization, name="c.yaml", text=VALID)
    before = {q.key: (q.version, q.updated_at) for q in Question.objects.all()}
    choice_ids = set(Choice.objects.values_list("id", flat=True))

    summary = content_import(organization=organization, name="c.yaml", text=VALID)

    assert not summary.changed
    assert {q.key: (q.version, q.updated_at) for q in Question.objects.all()} == before
    assert set(Choice.objects.values_list("id", flat=True)) == choice_ids


def test_changed_published_question_gets_a_new_version(organization):
    content_import(organization=organization, name="c.yaml", text=VALID)
    changed = VALID.replace("Who signs the contract at Globex?", "Who signs at Globex?")
    summary = content_import(organization=organization, name="c.yaml", text=changed)
    assert summary.updated["questions"] == 1
    assert Question.objects.get(key="eb-1").version == 2
    assert Question.objects.get(key="tf-1").version == 1


@pytest.mark.parametrize("extension", ["yaml", "csv"])
def test_export_round_trips(organization, extension):
    content_import(organization=organization, name="c.yaml", text=VALID)
    exported = content_export(organization=organization)
    text = content_dump(data=exported, name=f"out.{extension}")

    other = OrganizationFactory()
    content_import(organization=other, name=f"out.{extension}", text=text)

    assert content_export(organization=other) == exported
    # Importing its own export back is a no-op.
    summary = content_import(
        organization=organization, name=f"out.{extension}", text=text
    )
    assert not summary.changed


def test_invalid_file_writes_nothing_and_reports_every_error(organization):
    content_import(organization=organization, name="c.yaml", text=VALID)
    before = counts()
    data = yaml.safe_load(VALID)
    data["topics"].append({"key": "Bad Key!", "name": "x"})
    data["questions"][0]["choices"][1]["correct"] = True  # two correct on single choice
    data["questions"][1]["module"] = "nope"
    data["questions"][2]["type"] = "essay"
    data["questions"].append(dict(data["questions"][2], key="eb-1"))  # duplicate key
    data["questions"].append(
        {"key": "new-1", "module": "meddicc-101", "topic": "champion"}
    )
    data["questions"][0]["stem"] = "Edited, but must not be saved"

    with pytest.raises(ContentImportError) as exc:
        content_import(
            organization=organization, name="bad.yaml", text=yaml.safe_dump(data)
        )

    # Each item's location also names its line, which yaml.safe_dump decides.
    errors = [re.sub(r" \(line \d+\)", "", e) for e in exc.value.errors]
    assert (
        "bad.yaml: topics[2]: key: lowercase letters, digits and dashes, at most 64"
        in errors
    )
    assert any(
        e.startswith("bad.yaml: questions[0]: choices: A single-choice") for e in errors
    )
    assert "bad.yaml: questions[1]: module: unknown module 'nope'" in errors
    assert any(
        e.startswith("bad.yaml: questions[2]: type: must be one of") for e in errors
    )
    assert "bad.yaml: questions[3]: key: 'eb-1' appears twice in this file" in errors
    assert "bad.yaml: questions[4]: stem: is required" in errors
    assert "bad.yaml: questions[4]: choices: is required" in errors
    assert counts() == before
    assert Question.objects.get(key="eb-1").stem == "Who signs the contract at Globex?"


def test_invalid_yaml_syntax_names_the_line(organization):
    with pytest.raises(
        ContentImportError, match=r"broken.yaml: line \d+: \(syntax\): not valid YAML"
    ):
        content_import(
            organization=organization, name="broken.yaml", text="a: [1,\n b: }"
        )
    assert counts() == (0, 0, 0, 0, 0)


def test_csv_errors_name_the_row_and_field(organization):
    header = (
        "methodology,module,topic,key,type,stem,explanation,correct,choice_1,choice_2"
    )
    text = "\n".join(
        [
            header,
            "m,mod,t,ok-1,single_choice,Stem?,Because.,1,Yes,No",
            "m,mod,t,bad-1,single_choice,Stem?,Because.,x,Yes,No",
        ]
    )
    with pytest.raises(ContentImportError, match="c.csv: row 3: correct:"):
        content_import(organization=organization, name="c.csv", text=text)
    assert counts() == (0, 0, 0, 0, 0)


def test_retired_question_cannot_be_revived_by_import(organization):
    content_import(organization=organization, name="c.yaml", text=VALID)
    Question.objects.filter(key="eb-1").update(status=Question.Status.RETIRED)
    with pytest.raises(
        ContentImportError,
        match=r"questions\[0\] \(line \d+\): status: this question is retired",
    ):
        content_import(organization=organization, name="c.yaml", text=VALID)
