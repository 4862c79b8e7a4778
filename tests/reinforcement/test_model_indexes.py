from django.apps import apps


def test_every_rep_key_without_its_own_index_leads_a_composite_one():
    """The rep foreign keys skip Django's index because another one starts with rep
    (cascading deletes of a rep and per-rep reads still use an index)."""
    checked = []
    for model in apps.get_app_config("reinforcement").get_models():
        field = next((f for f in model._meta.fields if f.name == "rep"), None)
        if field is None or field.db_index:
            continue
        leading = [
            list(x.fields)[0]
            for x in [*model._meta.constraints, *model._meta.indexes]
            if getattr(x, "fields", None)
        ]
        assert "rep" in leading, model.__name__
        checked.append(model.__name__)
    assert "Answer" in checked and "Prompt" in checked
