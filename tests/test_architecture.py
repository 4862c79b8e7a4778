"""The package rules of docs/architecture.md, checked on the source itself.

A new module that breaks a rule (a selector importing a service, ORM code in
a pure package, a function too complex to review) fails here, not in review.
"""

import ast
import re
from pathlib import Path

import pytest
from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "config",
    "core",
    "enablement",
    "ops",
    "provisioning",
    "reinforcement",
    "revenue",
    "slack_app",
    "sso",
)
# Above this cyclomatic complexity a function is split (radon's "C" grade
# starts at 11; 15 leaves room for flat validation ladders).
MAX_COMPLEXITY = 15
# Modules longer than this are split along what they hold; models and
# migrations are exempt (one model per table, one migration per change).
MAX_MODULE_LINES = 400


def _modules(*parts: str) -> list[Path]:
    found = []
    for part in parts:
        path = ROOT / part
        files = [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
        found += [f for f in files if "migrations" not in f.parts]
    assert found, parts
    return found


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at top level or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _offending(paths: list[Path], allowed) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        bad = sorted(name for name in _imports(path) if not allowed(name))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def _first_party(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def test_selectors_never_import_services():
    """Reads never depend on writes."""
    offending = _offending(
        _modules("reinforcement/selectors"),
        lambda name: ".services" not in name and ".tasks" not in name,
    )
    assert offending == {}


def test_enablement_never_imports_reinforcement():
    """Content and people can be built and tested without scheduling code."""
    offending = _offending(
        _modules("enablement"), lambda name: not name.startswith("reinforcement")
    )
    assert offending == {}


def test_sso_sits_between_enablement_and_nothing_else():
    """Single sign-on uses people (enablement), never scheduling; people never SSO."""
    assert (
        _offending(_modules("sso"), lambda name: not name.startswith("reinforcement"))
        == {}
    )
    assert (
        _offending(_modules("enablement"), lambda name: not name.startswith("sso"))
        == {}
    )


def test_revenue_sits_on_top():
    """Deals build on content, people and memory; nothing below imports deals,
    so the engine runs for a customer without a CRM."""
    for package in ("enablement", "reinforcement", "sso", "provisioning"):
        assert (
            _offending(_modules(package), lambda name: not name.startswith("revenue"))
            == {}
        ), package


def test_slack_app_sits_on_top():
    """The Slack app uses people, memory services and selectors, and core;
    nothing else imports it (delivery hears of it through a registration)."""
    allowed = ("enablement", "reinforcement.services", "reinforcement.selectors",
               "reinforcement.models", "core", "slack_app")  # fmt: skip
    assert (
        _offending(
            _modules("slack_app"),
            lambda name: not _first_party(name) or name.startswith(allowed),
        )
        == {}
    )
    for package in ("config/settings", "core", "enablement", "ops", "provisioning",
                    "reinforcement", "revenue", "sso"):  # fmt: skip
        assert (
            _offending(_modules(package), lambda name: not name.startswith("slack_app"))
            == {}
        ), package


# Refusal messages are marked for translation; that needs no database.
_TRANSLATION = "django.utils.translation"


def _pure(name: str) -> bool:
    if name.startswith(_TRANSLATION):
        return True
    if name.startswith(("django", "rest_framework", "celery")):
        return False
    return not _first_party(name) or name.startswith(
        ("reinforcement.memory", "reinforcement.kpi_rules", "core")
    )


@pytest.mark.parametrize(
    "package", ["reinforcement/memory", "reinforcement/kpi_rules.py", "core"]
)
def test_pure_packages_import_no_django(package):
    """The memory model, plan scoring and KPI rules run without Django."""
    assert _offending(_modules(package), _pure) == {}


def _simulator_may_import(name: str) -> bool:
    if _first_party(name):
        return name.startswith(("reinforcement.memory", "reinforcement.simulation"))
    return not name.startswith(("django", "rest_framework", "celery"))


def test_simulator_depends_only_on_the_memory_package():
    """The simulator replays the planner's scoring, not the database."""
    offending = _offending(_modules("reinforcement/simulation"), _simulator_may_import)
    assert offending == {}


def _blocks(blocks):
    """Functions, methods and closures, however deeply nested."""
    for block in blocks:
        yield block
        yield from _blocks(
            [*getattr(block, "methods", []), *getattr(block, "closures", [])]
        )


def test_no_function_is_too_complex():
    """Every function stays at a cyclomatic complexity a reviewer can follow."""
    complex_ = {}
    for path in _modules(*PACKAGES):
        for item in _blocks(cc_visit(path.read_text())):
            if item.complexity > MAX_COMPLEXITY:
                where = f"{path.relative_to(ROOT)}:{item.lineno} {item.name}"
                complex_[where] = item.complexity
    assert complex_ == {}


def test_no_module_is_too_long():
    """Modules hold one kind of thing; models.py files are exempt."""
    long_ = {
        str(path.relative_to(ROOT)): lines
        for path in _modules(*PACKAGES)
        if path.name != "models.py"
        and (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long_ == {}


@pytest.mark.parametrize(
    "pattern",
    [
        r"^\s*MASTERY_STABILITY_DAYS\s*=",
        r"^\s*RAMP_MASTERY_SHARE\s*=",
        r"^\s*SPACED_REVIEW_MIN_DAYS\s*=",
        r"^\s*RECALL_BINS\s*=",
        r"^\s*OBSERVED_WINDOW_DAYS\s*=",
        r"^def chance_level\(",
        r"^def corrected_score\(",
        r"^def week_start\(",
    ],
)
def test_each_kpi_rule_is_defined_once(pattern):
    """A KPI rule written twice drifts apart (as mastery once did: > and >=)."""
    places = [
        str(path.relative_to(ROOT))
        for path in _modules(*PACKAGES)
        if re.search(pattern, path.read_text(), re.MULTILINE)
    ]
    assert places == ["reinforcement/kpi_rules.py"]
