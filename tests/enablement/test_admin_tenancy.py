"""Admin tenancy, generated from the admin registry.

For every registered model, organization A ("zq-a") and organization B ("bq-x")
each have a row; a staff user of B, with the demo enablement user's permissions
or with every permission of every admin model, finds nothing of A listed,
readable or writable. A ModelAdmin registered later is tested the same way
(and fails the registry test until it is scoped and has a row here).
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.forms import ModelChoiceField
from django.urls import reverse

from enablement.admin_tenancy import TenantScopedAdmin, TenantScopedMixin
from enablement.models import Choice, Methodology, Organization, Question
from enablement.services.groups import admin_group_sync
from tests.factories.enablement import UserFactory
from tests.factories.tenancy import organization_world

pytestmark = pytest.mark.django_db

# A dash never occurs in a CSRF token or session id, so a random token cannot
# contain these by chance.
A, B = "zq-a", "bq-x"
MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)
STANDARD_VIEWS = ("changelist", "add", "history", "delete", "change")
# Writes a POST tries on another organization's object.
HACKED = {
    f: "hacked" for f in ("name", "key", "stem", "username", "hostname", "note", "text")
}


def label(model) -> str:
    return model._meta.label


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def snapshot(obj) -> dict:
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


@pytest.fixture
def worlds():
    return organization_world(prefix=A), organization_world(prefix=B)


def organization_b_client(client, worlds, permissions: str):
    """A staff user who administers B, logged in."""
    user = UserFactory(username=f"{B}-author", is_staff=True)
    worlds[1][Organization].admins.add(user)
    if permissions == "demo":
        # What the demo's enablement user has: the enablement admin group.
        user.groups.add(admin_group_sync())
    else:
        types = [ContentType.objects.get_for_model(m) for m in (*MODELS, Choice)]
        user.user_permissions.set(Permission.objects.filter(content_type__in=types))
    client.force_login(user)
    return client


def assert_gone(response) -> None:
    """404, 403, or Django's redirect saying the object doesn't exist."""
    if response.status_code in (403, 404):
        return
    assert response.status_code == 302, response.status_code
    assert response.url == reverse("admin:index")
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("doesn’t exist" in t for t in texts), texts


def assert_no_a(response) -> None:
    assert response.status_code != 500
    assert A not in response.content.decode().lower()


def form_fields(context):
    """Every form field of an admin form page: the main form and the inlines."""
    if context is None:
        return
    for name in ("adminform", "form"):
        form = context.get(name)
        form = getattr(form, "form", form)
        if form is not None and hasattr(form, "fields"):
            yield from form.fields.items()
    for inline in context.get("inline_admin_formsets", []):
        yield from inline.formset.form.base_fields.items()


def assert_choices_clean(context, world_a) -> None:
    for name, field in form_fields(context):
        if isinstance(field, ModelChoiceField):
            theirs = world_a.get(field.queryset.model)
            if theirs is not None:
                assert not field.queryset.filter(pk=theirs.pk).exists(), name


def custom_urls(model_admin):
    standard = {
        f"{model_admin.opts.app_label}_{model_admin.opts.model_name}_{v}"
        for v in STANDARD_VIEWS
    }
    for pattern in model_admin.get_urls():
        if pattern.name and pattern.name not in standard:
            yield pattern.name, len(pattern.pattern.converters)


def test_every_registered_admin_is_tenant_scoped(worlds):
    """Each ModelAdmin and inline uses the mixin, names a path, and has a test row."""
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, TenantScopedAdmin), label(model)
        model_admin.organization_lookups()  # raises if no path is named
        for inline in model_admin.inlines:
            assert issubclass(inline, TenantScopedMixin), (label(model), inline)
            inline(model, admin.site).organization_lookups()
        assert model in worlds[0], f"organization_world lacks a {label(model)}"


@pytest.mark.parametrize("permissions", ["demo", "all"])
@pytest.mark.parametrize("model", MODELS, ids=label)
def test_organization_b_sees_and_writes_nothing_of_a(
    client, worlds, permissions, model
):
    """Changelist, change, delete, history, add, actions, autocomplete, custom URLs."""
    world_a, world_b = worlds
    client = organization_b_client(client, worlds, permissions)
    model_admin = admin.site._registry[model]
    theirs, before = world_a[model], snapshot(world_a[model])

    response = client.get(admin_url(model, "changelist"))
    if response.status_code == 200:
        listed = {obj.pk for obj in response.context["cl"].result_list}
        assert theirs.pk not in listed
        if model_admin.organization_lookups() is not None and permissions == "all":
            assert world_b[model].pk in listed, "B's own row is listed"
    assert_no_a(response)

    assert_gone(client.get(admin_url(model, "change", theirs.pk)))
    assert_gone(client.post(admin_url(model, "change", theirs.pk), HACKED))
    assert_gone(client.get(admin_url(model, "history", theirs.pk)))
    assert_gone(client.get(admin_url(model, "delete", theirs.pk)))
    assert_gone(client.post(admin_url(model, "delete", theirs.pk), {"post": "yes"}))
    for action in [*(model_admin.actions or ()), "delete_selected"]:
        response = client.post(
            admin_url(model, "changelist"),
            {"action": action, "_selected_action": [theirs.pk], "post": "yes"},
        )
        assert "Content-Disposition" not in response, action
    assert snapshot(theirs) == before

    response = client.get(admin_url(model, "add"))
    assert_no_a(response)
    if response.status_code == 200:
        assert_choices_clean(response.context, world_a)
        pointing_at_a = {
            name: world_a[field.queryset.model].pk
            for name, field in form_fields(response.context)
            if isinstance(field, ModelChoiceField) and field.queryset.model in world_a
        }
        if pointing_at_a:
            count = model._default_manager.count()
            response = client.post(admin_url(model, "add"), pointing_at_a)
            assert response.status_code == 200
            errors = response.context["adminform"].form.errors
            assert set(pointing_at_a) <= set(errors), errors
            assert model._default_manager.count() == count

    for field in model_admin.autocomplete_fields:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": field,
                "term": "",
            },
        )
        assert_no_a(response)
        if response.status_code == 200:
            remote = model._meta.get_field(field).remote_field.model
            ids = {r["id"] for r in response.json()["results"]}
            assert str(world_a[remote].pk) not in ids, field

    for name, arguments in custom_urls(model_admin):
        response = client.get(reverse(f"admin:{name}", args=[theirs.pk] * arguments))
        assert_no_a(response)
        if arguments:
            assert_gone(response)
        elif response.status_code == 200:
            assert_choices_clean(response.context, world_a)


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_a_superuser_sees_every_organization(admin_client, worlds, model):
    """The superuser alone lists both organizations' rows."""
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    listed = {obj.pk for obj in response.context["cl"].result_list}
    assert {worlds[0][model].pk, worlds[1][model].pk} <= listed


def test_the_import_form_refuses_another_organization(client, worlds):
    """Content import into A by B's author: the choice is invalid, nothing imported."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = organization_b_client(client, worlds, "demo")
    count = Question.objects.count()
    upload = SimpleUploadedFile("c.yaml", b"methodologies: []\n")
    response = client.post(
        reverse("admin:enablement_methodology_import"),
        {"organization": worlds[0][Organization].pk, "file": upload},
    )
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert Question.objects.count() == count


def test_a_new_methodology_goes_only_to_the_users_organization(client, worlds):
    """B's author creates a methodology in B; A is not an accepted choice."""
    client = organization_b_client(client, worlds, "demo")
    form = {"key": "new-m", "name": "New", "description": ""}
    url = admin_url(Methodology, "add")
    response = client.post(url, {**form, "organization": worlds[0][Organization].pk})
    assert response.status_code == 200
    assert not Methodology.objects.filter(key="new-m").exists()
    response = client.post(url, {**form, "organization": worlds[1][Organization].pk})
    assert response.status_code == 302
    assert Methodology.objects.get(key="new-m").organization == worlds[1][Organization]


def test_an_organization_created_by_a_staff_user_is_administered_by_them(
    client, worlds
):
    """Otherwise the new organization would vanish from its creator's admin."""
    client = organization_b_client(client, worlds, "all")
    response = client.post(
        admin_url(Organization, "add"),
        {
            "name": "Newco",
            "target_retention": "0.9",
            "default_daily_dose": "3",
            "new_questions_per_day": "1",
            "prompt_window_days": "3",
            "working_days": "12345",
            "holidays-TOTAL_FORMS": "0",
            "holidays-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    newco = Organization.objects.get(name="Newco")
    assert newco.admins.filter(username=f"{B}-author").exists()
