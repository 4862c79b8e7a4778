import pytest
import yaml

from core.errors import ApplicationError
from enablement.models import Choice, Topic
from enablement.services.content_format import ContentImportError
from enablement.services.content_import import content_import

pytestmark = pytest.mark.django_db


def test_a_rejected_file_is_an_application_error_with_its_errors(organization):
    """A refused import raises ApplicationError "invalid_content", errors in details."""
    text = "questions:\n  - key: x\n    module: nope\n"

    with pytest.raises(ApplicationError, match="bad.yaml: questions") as exc:
        content_import(organization=organization, name="bad.yaml", text=text)

    error = exc.value
    assert isinstance(error, ContentImportError)
    assert error.code == "invalid_content"
    assert error.details == {"errors": error.errors}
    assert (
        "bad.yaml: questions[0] (line 2): module: unknown module 'nope'" in error.errors
    )


def test_lengths_are_the_models_own(organization):
    """A name or choice text longer than its model field is refused with that length."""
    name_length = Topic._meta.get_field("name").max_length
    text_length = Choice._meta.get_field("text").max_length
    text = yaml.safe_dump(
        {
            "topics": [{"key": "t", "name": "n" * (name_length + 1)}],
            "questions": [
                {
                    "key": "q",
                    "choices": [{"text": "c" * (text_length + 1), "correct": True}],
                }
            ],
        }
    )

    with pytest.raises(ContentImportError) as exc:
        content_import(organization=organization, name="long.yaml", text=text)

    assert (
        f"long.yaml: topics[0] (line 7): name: is longer than {name_length} characters "
        f"({name_length + 1})" in exc.value.errors
    )
    assert (
        f"long.yaml: questions[0] (line 2): choices[0].text: is longer than {text_length} "
        f"characters ({text_length + 1})" in exc.value.errors
    )
