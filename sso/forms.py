from django import forms
from django.utils.translation import gettext_lazy as _


class WorkEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Work email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
