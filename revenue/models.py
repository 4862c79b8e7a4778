"""Deals from the CRM: stages, opportunities, their stage history, leads, and
the webhook's secrets and received events (docs/revenue.md).

Sales operations owns these records in the CRM; the service keeps a copy, fed
by the signed webhook or a file, so outcome KPIs can sit beside retention.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enablement.encrypted_fields import EncryptedTextField
from enablement.models import Organization, Team, TimestampedModel, Topic


def webhook_key_new() -> str:
    """A new public key id of a webhook secret."""
    return "whk_" + secrets.token_urlsafe(18)


class SalesStage(TimestampedModel):
    """One stage of an organization's sales process, and the topics a rep
    needs there (the stage-to-topic map)."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Closed won")
        LOST = "lost", _("Closed lost")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sales_stages"
    )
    name = models.CharField(max_length=120)
    # The CRM's own key for the stage when it differs from the name (HubSpot's
    # internal stage id, e.g. "appointmentscheduled"); blank: match by name.
    external_id = models.CharField(max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.OPEN)
    topics = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="sales_stages",
        help_text=_("The topics a rep needs in this stage."),
    )
    refresh_on_entry = models.BooleanField(
        default=False,
        help_text=_(
            "When a deal enters this stage, its owner gets a short refresher "
            "of these topics."
        ),
    )

    class Meta:
        ordering = ["organization", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="sales_stage_unique_name"
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="sales_stage_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Opportunity(TimestampedModel):
    """A deal, as the CRM last described it."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="opportunities"
    )
    external_id = models.CharField(max_length=120)
    # The rep the owner was matched to (by email or external id); None when
    # the CRM's owner matches nobody: the deal is kept and reported.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    owner_email = models.CharField(max_length=254, blank=True)
    owner_external_id = models.CharField(max_length=120, blank=True)
    name = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    pipeline = models.CharField(max_length=120, blank=True)
    stage = models.ForeignKey(
        SalesStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_in_crm_at = models.DateTimeField(help_text=_("Created in the CRM."))
    expected_close_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the deal entered its current stage: an event older than this moves
    # the history, not the deal (CRMs deliver out of order).
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=4, choices=Outcome.choices, default=Outcome.OPEN
    )

    class Meta:
        verbose_name_plural = "opportunities"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                name="opportunity_unique_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "owner"], name="opportunity_owner"),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class StageChange(models.Model):
    """The append-only stage history: one row per move of a deal."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+"
    )
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        SalesStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(SalesStage, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    # The owner when the deal moved (the rep whose retention at entry counts).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["changed_at"]
        constraints = [
            # The same move reported twice (a webhook and a file) is one move.
            models.UniqueConstraint(
                fields=["opportunity", "to_stage", "changed_at"],
                name="stage_change_unique_move",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "to_stage", "changed_at"],
                name="stage_change_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} -> {self.to_stage_id}"


class Lead(TimestampedModel):
    """A lead, when the CRM sends them: for lead-to-opportunity conversion."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="leads"
    )
    external_id = models.CharField(max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner_email = models.CharField(max_length=254, blank=True)
    created_in_crm_at = models.DateTimeField()
    converted_at = models.DateTimeField(null=True, blank=True)
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="lead_unique_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.external_id


class CrmSettings(TimestampedModel):
    """An organization's CRM link: refresher limits and the like."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="crm_settings"
    )
    refreshers_per_day = models.PositiveSmallIntegerField(
        default=2,
        help_text=_(
            "At most this many stage-entry refreshers a day per rep: more "
            "catches every deal, fewer keeps a busy rep's day light."
        ),
    )

    class Meta:
        verbose_name = "CRM settings"
        verbose_name_plural = "CRM settings"

    def __str__(self) -> str:
        return f"CRM settings of {self.organization}"


class WebhookSecret(TimestampedModel):
    """A signing secret of the CRM webhook. Rotation adds a new one and gives
    the old one an expiry, so both verify during the overlap."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="crm_webhook_secrets"
    )
    # The public half the CRM sends in X-Reinforce-Key: it picks the secret
    # (and so the organization) without naming either.
    key_id = models.CharField(max_length=40, unique=True, default=webhook_key_new)
    secret = EncryptedTextField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Webhook secret {self.pk} of {self.organization}"


class CrmEvent(models.Model):
    """An event id already received: a retried delivery changes nothing."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+"
    )
    event_id = models.CharField(max_length=200)
    source = models.CharField(max_length=20)  # generic, salesforce, hubspot, csv
    received_at = models.DateTimeField()
    result = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "event_id"], name="crm_event_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.event_id


class StageRefresher(TimestampedModel):
    """The refresher one stage entry gives the deal's owner: at most one per
    opportunity and stage (the unique key makes a repeated event, task or
    sweep a no-op). Waits for the rep's working window when outside it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the rep's working window")
        MADE = "made", _("Made and sent")
        CAPPED = "capped", _("Skipped: the rep's daily limit was reached")
        SKIPPED = "skipped", _("Skipped: nothing to ask")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+"
    )
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_refreshers"
    )
    stage = models.ForeignKey(SalesStage, on_delete=models.CASCADE, related_name="+")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    stage_change = models.ForeignKey(
        StageChange, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField()
    # When to make it: at once inside the rep's working window, else the
    # start of the next one.
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING
    )
    detail = models.CharField(max_length=200, blank=True)
    made_at = models.DateTimeField(null=True, blank=True)
    # The rep's local day it was made (the daily limit counts these).
    local_date = models.DateField(null=True, blank=True)
    trigger = models.ForeignKey(
        "reinforcement.PromptTrigger",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "stage"], name="stage_refresher_once"
            )
        ]
        indexes = [
            models.Index(fields=["rep", "local_date"], name="stage_refresher_rep_day"),
            models.Index(
                fields=["due_at"],
                name="stage_refresher_pending",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} entered {self.stage}: {self.status}"


# Outcome rollups (docs/kpis.md, "Outcomes"): facts per stage entry and per
# deal, and the cells the outcome KPIs read. Maintained by
# ``revenue.services.outcome_rollups`` from the stage history; never edited.


class _OrganizationRow(models.Model):
    """A rollup row of one organization (never shown across tenants)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True


class _RepRow(_OrganizationRow):
    """A rollup row of one rep's deals."""

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True


class _TeamRow(_OrganizationRow):
    """A rollup row summed over a team's reps (their team when rolled up), so a
    team or organization read does not sum every rep's rows."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class _StageDayCounts(models.Model):
    """Entries into a stage in a month, by whole days spent there (None: still
    there): conversion and time in stage."""

    stage = models.ForeignKey(SalesStage, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    days = models.IntegerField(null=True, blank=True)
    entries = models.PositiveIntegerField(default=0)
    converted = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class _CycleDayCounts(models.Model):
    """Deals won in a month, by whole days from creation: the sales cycle."""

    month = models.DateField()
    days = models.IntegerField()
    won = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class StageEntry(_RepRow):
    """One entry of a deal into a stage (one per StageChange), with how it ended
    and the owner's predicted retention of the stage's topics at entry."""

    stage_change = models.OneToOneField(
        StageChange, on_delete=models.CASCADE, related_name="entry"
    )
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="+"
    )
    stage = models.ForeignKey(SalesStage, on_delete=models.CASCADE, related_name="+")
    entered_at = models.DateTimeField()
    month = models.DateField(help_text=_("First day of the UTC month of entry."))
    left_at = models.DateTimeField(null=True, blank=True)
    # Whole days from entry to leaving; None while the deal is still there.
    days_in_stage = models.IntegerField(null=True, blank=True)
    # Left to a later stage or to won (only meaningful once left).
    converted = models.BooleanField(default=False)
    # Mean predicted recall of the stage's topics' questions the owner had
    # answered before entry; None when the stage has no topics or the owner
    # had answered none of them. Computed once, when the entry is rolled up.
    retention = models.FloatField(null=True, blank=True)
    retention_questions = models.PositiveIntegerField(default=0)
    retention_computed = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "stage entries"
        indexes = [
            models.Index(
                fields=["organization", "rep", "month"], name="stage_entry_rep"
            ),
            models.Index(
                fields=["organization", "stage", "entered_at"], name="stage_entry_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} in {self.stage_id} at {self.entered_at}"


class OpportunityFact(_RepRow):
    """A deal as its owner's outcome figures count it."""

    opportunity = models.OneToOneField(
        Opportunity, on_delete=models.CASCADE, related_name="fact"
    )
    created_month = models.DateField()
    closed_month = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=4, choices=Opportunity.Outcome.choices)
    # Whole days from creation to closing won; None unless won.
    cycle_days = models.IntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "rep", "created_month"], name="opp_fact_created"
            ),
            models.Index(
                fields=["organization", "rep", "closed_month"], name="opp_fact_closed"
            ),
        ]

    def __str__(self) -> str:
        return f"fact of {self.opportunity_id}"


class StageDayCell(_RepRow, _StageDayCounts):
    """A rep's entries into a stage in a month, by whole days spent there."""

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "month", "rep"], name="stage_day_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.stage_id} {self.month} {self.days}"


class StageRetentionCell(_RepRow):
    """Entries that have left a stage, by the owner's retention at entry in
    whole percent: the input of retention against outcomes."""

    stage = models.ForeignKey(SalesStage, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    retention_pct = models.PositiveSmallIntegerField()
    resolved = models.PositiveIntegerField(default=0)
    converted = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "stage", "month"], name="stage_retention_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.stage_id} {self.month} {self.retention_pct}%"


class OutcomeRepMonth(_RepRow):
    """A rep's deals and leads in a month: created, closed won and lost (by
    month of closing), leads created and converted (by month of creation)."""

    month = models.DateField()
    created = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    leads = models.PositiveIntegerField(default=0)
    leads_converted = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "rep", "month"], name="outcome_rep_month_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "month", "rep"], name="outcome_rep_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.month}"


class CycleDayCell(_RepRow, _CycleDayCounts):
    """A rep's deals won in a month, by whole days from creation."""

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "month", "rep"], name="cycle_day_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.month} {self.days}"


class TeamStageDayCell(_TeamRow, _StageDayCounts):
    """StageDayCell summed over a team's reps."""

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "month", "team"], name="team_stage_day_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.stage_id} {self.month} {self.days}"


class TeamCycleDayCell(_TeamRow, _CycleDayCounts):
    """CycleDayCell summed over a team's reps."""

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "month", "team"], name="team_cycle_day_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.month} {self.days}"
