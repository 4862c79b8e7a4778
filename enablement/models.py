"""Content and people: organizations, teams, reps, methodologies and questions."""

import functools
import zoneinfo

import holidays
from auditlog.models import AbstractLogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.defaults import DEFAULT_NEW_QUESTIONS_PER_DAY, DEFAULT_TARGET_RETENTION
from enablement.audit import AuditEntryManager
from enablement.encrypted_fields import EncryptedTextField

KEY_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,63}$",
    _("Use lowercase letters, digits and dashes (at most 64 characters)."),
)
MIN_CHOICES = 2
MAX_CHOICES = 6
# The longest text an author may write in each long-text field, in characters
# (documented in enablement/content/FORMAT.md; content import checks the same).
# Names, keys and choice texts are CharFields: their max_length is the limit.
TEXT_LIMITS = {"stem": 2000, "explanation": 2000, "description": 2000, "feedback": 1000}
# ISO weekday digits, Monday=1 .. Sunday=7.
WEEKDAY_DIGITS = "1234567"
# Delivery channels a rep may turn off (the in-app inbox, "web", is always on).
REP_OPTIONAL_CHANNELS = ("email", "slack", "teams")
# The local daytime a reminder may go out in: from 07:00 to before 18:00.
REMINDER_EARLIEST_HOUR = 7
REMINDER_LATEST_HOUR = 18


def validate_working_days(value: str) -> None:
    # Empty is never stored by forms (blank skips validators): a field that
    # allows blank means "inherit"; one that does not is refused as required.
    if (
        not value
        or any(d not in WEEKDAY_DIGITS for d in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(
            _(
                "Working days are ISO weekday digits without repeats, e.g. 12345 for Mon-Fri."
            )
        )


def validate_holiday_country(value: str) -> None:
    if value and value not in holidays.list_supported_countries():
        raise ValidationError(
            _(
                "%(value)s is not a country code the holiday calendar knows (US, GB, DE)."
            ),
            params={"value": value},
        )


def holiday_country_field(help_text: str) -> models.CharField:
    """A country whose public holidays are days off (the organization's, a team's)."""
    return models.CharField(
        max_length=8,
        blank=True,
        validators=[validate_holiday_country],
        help_text=help_text,
    )


def content_texts_validate(instance: models.Model) -> None:
    """Refuse texts over ``TEXT_LIMITS`` and NUL characters in any text field.

    A TextField's length is not checked by Django, and PostgreSQL cannot store
    a NUL character (SQLite can), so both are refused before the database.
    """
    errors = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if not isinstance(value, str):
            continue
        limit = TEXT_LIMITS.get(field.name)
        if "\x00" in value:
            errors[field.name] = _("Remove the NUL character (\\x00).")
        elif isinstance(field, models.TextField) and limit and len(value) > limit:
            errors[field.name] = _(
                "Write at most %(limit)d characters (it has %(length)d)."
            ) % {"limit": limit, "length": len(value)}
    if errors:
        raise ValidationError(errors)


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Organization(TimestampedModel):
    """The tenant; also carries the reinforcement settings an admin tunes."""

    name = models.CharField(max_length=120, unique=True)
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="administered_organizations",
        help_text=_(
            "Enablement admins: people, teams, managers, enrollments, settings and "
            "content of this organization."
        ),
    )
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="authored_organizations",
        help_text=_("Authors: this organization's content only."),
    )
    target_retention = models.FloatField(
        default=DEFAULT_TARGET_RETENTION,
        validators=[MinValueValidator(0.7), MaxValueValidator(0.97)],
        help_text=_(
            "The share of what they learned reps should recall on an average day "
            "(0.70 to 0.97). Higher keeps more but asks more questions, steeply so "
            "above 0.90; lower asks fewer and lets more fade between reviews."
        ),
    )
    default_daily_dose = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_(
            "The most questions a rep gets on a working day (1 to 20; a rep's "
            "profile may override it). A larger dose leaves room for more reviews "
            "and new material but takes more of a rep's day; a day with nothing "
            "worth asking asks fewer."
        ),
    )
    new_questions_per_day = models.PositiveSmallIntegerField(
        default=DEFAULT_NEW_QUESTIONS_PER_DAY,
        validators=[MaxValueValidator(20)],
        help_text=_(
            "The fewest new questions a rep is taught each day while any are left "
            "(0 to 20); free slots of the dose are filled with new ones too. More "
            "covers the curriculum sooner but crowds out reviews of what reps "
            "already learned; at 0, new ones come only in slots no review needs."
        ),
    )
    prompt_window_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "Days a rep has to answer a question before it expires and counts as "
            "missed (1 to 30). A longer window forgives busy days but lets "
            "questions pile up and answers come later than planned; a shorter "
            "one keeps answers timely and counts more as missed."
        ),
    )
    email_delivery = models.BooleanField(
        default=True,
        help_text=_(
            "Email each rep their daily questions. Reaches reps outside the app; "
            "needs working outgoing mail (check Delivery health)."
        ),
    )
    slack_delivery = models.BooleanField(
        default=False,
        help_text=_(
            "Post each rep's daily questions to their team's Slack webhook, for "
            "teams that have one. Seen where reps already work, but in a shared "
            'channel; use a team\'s "Send test Slack message" first.'
        ),
    )
    working_days = models.CharField(
        max_length=7,
        default="12345",
        validators=[validate_working_days],
        help_text=_(
            "The days reps get questions, as ISO weekday digits (1 is Monday, 7 "
            "is Sunday; 12345 is Monday to Friday), for every rep whose profile "
            "does not set its own. More days spread the same reviews thinner; "
            "fewer make each day's dose count for more and leave gaps longer."
        ),
    )
    holiday_country = holiday_country_field(
        _(
            "A country code (US, GB, DE, ...) whose public holidays are days off "
            "for every rep (unless their team names its own country), beside the "
            "holidays listed below. Empty: only those. "
            "A day off plans nothing, so reviews due then move to the next "
            "working day."
        )
    )

    # Reminders (docs/channels.md): blank is off. Bounded to daytime so a
    # nudge never lands at night whatever the rep's delivery hour.
    reminder_hour = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(REMINDER_EARLIEST_HOUR),
            MaxValueValidator(REMINDER_LATEST_HOUR - 1),
        ],
        help_text=_(
            "Local hour (7 to 17) at which a rep who has not started today's "
            "questions gets one nudge on their channel, on working days before "
            "18:00 their time. Blank: no reminders."
        ),
    )
    teams_delivery = models.BooleanField(
        default=False,
        help_text=_(
            "Post each rep's daily questions as a card to their team's Microsoft "
            "Teams channel, for teams with a Workflows webhook; the card opens the "
            'question on the rep\'s Today page. Use "Send test Teams message" first.'
        ),
    )
    engagement_enabled = models.BooleanField(
        default=False,
        help_text=_(
            "Points for on-time answers and streaks, and a team leaderboard on the "
            "rep's Progress page. Off by default; a rep may opt out in their "
            "settings. It never changes which questions are asked."
        ),
    )
    leaderboard_names = models.BooleanField(
        default=False,
        help_text=_(
            "Show the top of each team's leaderboard by name. Off: a rep sees only "
            "their own rank and points."
        ),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reminder_hour__isnull=True)
                | Q(
                    reminder_hour__gte=REMINDER_EARLIEST_HOUR,
                    reminder_hour__lt=REMINDER_LATEST_HOUR,
                ),
                name="organization_reminder_hour_daytime",
            ),
            models.CheckConstraint(
                condition=Q(target_retention__gte=0.7, target_retention__lte=0.97),
                name="organization_target_retention_range",
            ),
            models.CheckConstraint(
                condition=Q(default_daily_dose__gte=1, default_daily_dose__lte=20),
                name="organization_daily_dose_range",
            ),
            models.CheckConstraint(
                condition=Q(prompt_window_days__gte=1),
                name="organization_prompt_window_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A day off for the whole organization (a company holiday): no plans."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "date"], name="holiday_unique_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class Team(TimestampedModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="teams"
    )
    name = models.CharField(max_length=120)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_teams"
    )
    slack_webhook_url = models.URLField(
        blank=True, help_text=_("Optional Slack incoming webhook for this team.")
    )
    # A team in another country keeps that country's public holidays.
    holiday_country = holiday_country_field(
        _(
            "A country code (US, GB, DE, ...) whose public holidays are this "
            "team's days off instead of the organization's country's. Empty: the "
            "organization's. Holidays listed for the organization apply to every team."
        )
    )
    # A Workflows webhook URL carries its own signature: a credential, stored
    # encrypted and never logged.
    teams_webhook_url = EncryptedTextField(
        blank=True,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_(
            'Optional Microsoft Teams Workflows webhook ("Post to a channel when a '
            "webhook request is received\") for this team's channel."
        ),
    )

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="team_unique_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


# Listing the zones walks the tz database on disk (milliseconds); a roster
# validates thousands.
_time_zones = functools.cache(zoneinfo.available_timezones)


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(
            _("%(value)s is not a known time zone."), params={"value": value}
        )


def validate_channels_off(value: str) -> None:
    names = [c for c in value.split(",") if c]
    if any(c not in REP_OPTIONAL_CHANNELS for c in names) or len(set(names)) != len(
        names
    ):
        raise ValidationError(
            _("Channels are %(names)s, comma-separated, without repeats."),
            params={"names": ", ".join(REP_OPTIONAL_CHANNELS)},
        )


class RepProfile(TimestampedModel):
    """A sales rep: where and when their daily dose arrives."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rep_profile"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="reps")
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone]
    )
    delivery_hour = models.PositiveSmallIntegerField(
        default=9, validators=[MaxValueValidator(23)], help_text=_("Local hour, 0-23.")
    )
    working_days = models.CharField(
        max_length=7,
        blank=True,
        default="",
        validators=[validate_working_days],
        help_text=_(
            "ISO weekday digits: 1 is Monday, 7 is Sunday. Empty: the "
            "organization's working days."
        ),
    )
    daily_dose = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Empty: the organization's default."),
    )
    paused_until = models.DateField(
        null=True,
        blank=True,
        help_text=_("No questions up to and including this date."),
    )
    # The same field as rep self-service's (issue 16): one email's unsubscribe
    # adds "email" here.
    paused_from = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "First day of the pause (a vacation); empty: paused from now until "
            "the date above."
        ),
    )
    channels_off = models.CharField(
        max_length=32,
        blank=True,
        validators=[validate_channels_off],
        help_text=_(
            "Delivery channels the rep turned off, comma-separated (email, slack, "
            "teams); the in-app inbox is always on."
        ),
    )
    engagement_opt_out = models.BooleanField(
        default=False,
        help_text=_("The rep keeps out of points and the leaderboard."),
    )
    hired_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery_hour__lte=23), name="rep_delivery_hour_range"
            ),
            models.CheckConstraint(
                condition=Q(daily_dose__isnull=True)
                | Q(daily_dose__gte=1, daily_dose__lte=20),
                name="rep_daily_dose_range",
            ),
            models.CheckConstraint(
                condition=Q(paused_from__isnull=True)
                | Q(paused_until__gte=models.F("paused_from")),
                name="rep_pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_username()

    def clean(self) -> None:
        if self.paused_from and not self.paused_until:
            raise ValidationError(
                {"paused_until": _("A pause with a first day needs a last day.")}
            )
        if self.paused_from and self.paused_until < self.paused_from:
            raise ValidationError(
                {"paused_until": _("The pause cannot end before it starts.")}
            )


class Membership(TimestampedModel):
    """A person's belonging to one organization: the identity a roster, SSO and
    SCIM match on, and whether they are still with the organization.

    Roles stay on the links that grant them: ``Organization.admins`` and
    ``authors``, ``Team.managers``, ``RepProfile``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    external_id = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("The person's id in the HR system or identity provider."),
    )
    deactivated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Set when the person left; their history stays."),
    )

    class Meta:
        ordering = ["organization__name", "user__username"]
        # Admin lists memberships as the organization's people.
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="membership_unique_external_id_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} @ {self.organization}"


class Methodology(TimestampedModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="methodologies"
    )
    key = models.CharField(max_length=64, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "methodologies"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="methodology_unique_key_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        content_texts_validate(self)


class Topic(TimestampedModel):
    """A skill tag such as "Economic buyer"; retention is reported per topic."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="topics"
    )
    key = models.CharField(max_length=64, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="topic_unique_key_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        content_texts_validate(self)


class Module(TimestampedModel):
    methodology = models.ForeignKey(
        Methodology, on_delete=models.CASCADE, related_name="modules"
    )
    key = models.CharField(max_length=64, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["methodology__name", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["methodology", "key"], name="module_unique_key_per_methodology"
            )
        ]

    def __str__(self) -> str:
        return f"{self.methodology} / {self.name}"

    def clean(self) -> None:
        content_texts_validate(self)


class Question(TimestampedModel):
    class Kind(models.TextChoices):
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice (select all)")
        TRUE_FALSE = "true_false", _("True / false")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    class Change(models.TextChoices):
        # The kind of edit that made a published question's current version.
        MINOR = "minor", _("Minor: wording; reps' memory of it still holds")
        MAJOR = "major", _("Major: meaning or correct answer; reps are re-taught")

    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="questions"
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="questions")
    key = models.CharField(max_length=64, validators=[KEY_VALIDATOR])
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.SINGLE_CHOICE
    )
    stem = models.TextField(help_text=_("The scenario and the question the rep reads."))
    explanation = models.TextField(help_text=_("Shown after answering."))
    reference_url = models.URLField(blank=True, help_text=_("Link into the playbook."))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    version_change = models.CharField(
        max_length=5,
        choices=Change.choices,
        blank=True,
        default="",
        help_text=_(
            "How the current version differs from the one before; empty for version 1."
        ),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_questions",
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["module", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "key"], name="question_unique_key_per_module"
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["single_choice", "multiple_choice", "true_false"]
                ),
                name="question_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "retired"]),
                name="question_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="question_version_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="question_published_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "module"])]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        content_texts_validate(self)
        if (
            self.topic_id
            and self.module_id
            and self.topic.organization_id != self.module.methodology.organization_id
        ):
            raise ValidationError(
                {"topic": _("The topic belongs to another organization.")}
            )

    @property
    def is_plannable(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)
    feedback = models.TextField(
        blank=True, help_text=_("Optional; shown after answering.")
    )

    class Meta:
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "text"], name="choice_unique_text_per_question"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        content_texts_validate(self)


class Enrollment(TimestampedModel):
    """A module assigned to a whole team or to one rep, from a start date."""

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="enrollments"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    starts_on = models.DateField()
    taught_on = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "When the module was taught live, e.g. at a kickoff. Its questions then "
            "start as studied that day, and the first quiz comes when the memory "
            "needs it. Empty: the questions are new and first met in a quiz."
        ),
    )

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(team__isnull=False) & Q(rep__isnull=True))
                | (Q(team__isnull=True) & Q(rep__isnull=False)),
                name="enrollment_team_xor_rep",
            ),
            models.UniqueConstraint(
                fields=["module", "team"],
                condition=Q(team__isnull=False),
                name="enrollment_unique_module_team",
            ),
            models.UniqueConstraint(
                fields=["module", "rep"],
                condition=Q(rep__isnull=False),
                name="enrollment_unique_module_rep",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module} -> {self.team or self.rep}"

    def clean(self) -> None:
        if (self.team_id is None) == (self.rep_id is None):
            raise ValidationError(_("Enroll either a team or a single rep, not both."))
        if (
            self.team_id
            and self.module_id
            and self.team.organization_id != self.module.methodology.organization_id
        ):
            raise ValidationError(
                _("The team and the module are in different organizations.")
            )


class AccountEmail(TimestampedModel):
    """An invitation or password-reset email to send: an outbox row (docs/people.md).

    Written in the transaction that asks for the email; a task sends it under
    its row lock and marks it sent in that same transaction, and the sweeper
    re-drives rows still pending past ``next_attempt_at`` (a lost enqueue, a
    dead worker, an SMTP outage). The link's token is made when the email is
    sent and never stored, so a database reader cannot use it.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        PASSWORD_RESET = "reset", _("Password reset")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # Superseded by a newer email of the same kind, or the person left.
        CANCELED = "canceled", _("Canceled")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_emails",
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="account_email_pending_due",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.user_id}: {self.status}"


class Campaign(TimestampedModel):
    """A push on some topics for some teams, for a while: the hand-off from
    sales operations (who see a stage being rushed) to enablement. During it
    the planner gives the topics more of the daily dose, within the cap."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="campaigns"
    )
    name = models.CharField(max_length=120)
    topics = models.ManyToManyField(Topic, related_name="campaigns")
    teams = models.ManyToManyField(Team, related_name="campaigns")
    starts_on = models.DateField()
    ends_on = models.DateField()
    boost = models.FloatField(
        default=2.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(5.0)],
        help_text=_(
            "How much more of the dose the topics get: 2 doubles their weight. "
            "Higher pushes the campaign's topics out faster at the cost of "
            "reviews of everything else; the daily cap never changes."
        ),
    )
    note = models.TextField(blank=True, help_text=_("Why: what operations saw."))

    class Meta:
        ordering = ["organization", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="campaign_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AuditEntry(AbstractLogEntry):
    """An audit log entry: django-auditlog's, plus the organization it belongs to.

    ``cause`` says what made the change (a content or roster import, a
    publish, an erasure); ``via`` names a command when no person acted. The
    organization is not a constraint: an entry outlives what it describes.
    """

    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    cause = models.CharField(max_length=255, blank=True)
    via = models.CharField(max_length=120, blank=True)

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(
                fields=["organization", "-timestamp"], name="audit_entry_org_time"
            ),
            models.Index(
                fields=["content_type", "object_id"], name="audit_entry_object"
            ),
        ]
