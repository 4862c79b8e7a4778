"""Provisioning's place in the package rules (docs/architecture.md)."""

from tests.test_architecture import _modules, _offending


def test_people_and_content_never_import_provisioning():
    """enablement is provisioned, it does not know by what."""
    offending = _offending(
        _modules("enablement"), lambda name: not name.startswith("provisioning")
    )
    assert offending == {}


def test_provisioning_selectors_never_import_services():
    offending = _offending(
        _modules("provisioning/selectors.py"), lambda name: ".services" not in name
    )
    assert offending == {}


def test_provisioning_writes_people_only_through_the_people_service():
    """No provisioning module but the service calls user or membership writes itself."""
    writers = {
        str(path.name)
        for path in _modules("provisioning")
        if ".save(" in path.read_text() or ".objects.create(" in path.read_text()
    }
    assert writers <= {"services.py"}
