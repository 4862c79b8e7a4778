"""Setting a password: from an invitation, or after "Forgot password?".

Django's auth views, thin: the reset request goes through the outbox
(``password_reset_request``) and the confirm views log the person in and
take them to their page.
"""

import time

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from enablement.services.invitations import (
    invitation_token_generator,
    password_reset_request,
    user_is_current,
)

# Every reset request is answered no sooner than this after it arrived, so a
# known address (a row written, a task enqueued) and an unknown one (one
# read) take the same time from outside.
RESET_RESPONSE_FLOOR_SECONDS = 0.4


class PasswordResetRequestForm(forms.Form):
    """Django's reset form's one field; the send goes through the outbox."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def save(self, **kwargs) -> None:
        password_reset_request(email=self.cleaned_data["email"])


class PasswordResetRequestView(auth_views.PasswordResetView):
    """The same page and the same delay whether or not the address is known."""

    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        started = time.monotonic()
        response = super().post(request, *args, **kwargs)
        time.sleep(
            max(0.0, RESET_RESPONSE_FLOOR_SECONDS - (time.monotonic() - started))
        )
        return response


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Check the link, set the password, log in and land on the person's page."""

    form_class = SetPasswordForm
    template_name = "registration/set_password.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    title = _("Set a new password")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A person who left cannot use a link sent before they left.
        return user if user is not None and user_is_current(user) else None

    def get_success_url(self) -> str:
        user = self.user
        if not hasattr(user, "rep_profile") and user.is_staff:
            return reverse("admin:index")
        return reverse("rep:today")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_invitation"] = self.token_generator is invitation_token_generator
        return context


class InvitationAcceptView(SetPasswordView):
    token_generator = invitation_token_generator
    title = _("Welcome: choose your password")
