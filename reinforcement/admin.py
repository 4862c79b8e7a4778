"""Read-only inspection of memory, prompts, answers, deliveries and model fits."""

from django.contrib import admin

from enablement.admin_tenancy import GLOBAL, TenantScopedAdmin
from reinforcement.admin_deliveries import DeliveryHealthAdminMixin
from reinforcement.admin_memory_model import MemoryModelReportAdminMixin
from reinforcement.models import (
    Answer,
    DailyPlan,
    Delivery,
    ManagerDigest,
    MemoryModelFit,
    MemoryState,
    Prompt,
    Reminder,
    WorkerHeartbeat,
)


class ReadOnlyAdmin(TenantScopedAdmin):
    """The admin must not bypass scheduling rules: everything here is for inspection."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MemoryState)
class MemoryStateAdmin(ReadOnlyAdmin):
    organization_path = "question__module__methodology__organization"
    list_display = (
        "rep",
        "question",
        "state",
        "stability",
        "difficulty",
        "due",
        "review_count",
        "lapse_count",
    )
    list_filter = ("state", "question__module__methodology", "question__topic")
    list_select_related = ("rep", "question")
    search_fields = ("rep__username", "question__key")
    ordering = ("rep__username", "due")


@admin.register(DailyPlan)
class DailyPlanAdmin(ReadOnlyAdmin):
    organization_path = "rep__rep_profile__team__organization"
    list_display = ("rep", "local_date", "prompt_count", "planned_at")
    list_filter = ("local_date",)
    list_select_related = ("rep",)
    search_fields = ("rep__username",)
    ordering = ("-local_date",)


@admin.register(Prompt)
class PromptAdmin(ReadOnlyAdmin):
    organization_path = "question__module__methodology__organization"
    list_display = (
        "rep",
        "question",
        "local_date",
        "position",
        "source",
        "status",
        "predicted_recall",
        "expires_at",
    )
    list_filter = ("status", "source", "local_date")
    list_select_related = ("rep", "question")
    search_fields = ("rep__username", "question__key")
    ordering = ("-local_date", "rep__username", "position")


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    organization_path = "question__module__methodology__organization"
    list_display = (
        "rep",
        "question",
        "correct",
        "confidence",
        "rating",
        "predicted_recall",
        "stability_after",
        "on_time",
        "answered_at",
    )
    list_filter = ("correct", "confidence", "rating", "on_time", "question__topic")
    list_select_related = ("rep", "question")
    search_fields = ("rep__username", "question__key")
    ordering = ("-answered_at",)


@admin.register(Delivery)
class DeliveryAdmin(DeliveryHealthAdminMixin, ReadOnlyAdmin):
    # Read-only, but for "Resend failed" (change_delivery) and the health page.
    # A plan's or a triggered refresher's (revenue's stage entries).
    organization_paths = (
        "plan__rep__rep_profile__team__organization",
        "trigger__rep__rep_profile__team__organization",
    )
    # A failed row (given up after the attempt cap) shows its last error here.
    list_display = (
        "plan",
        "trigger",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("channel", "status")
    list_select_related = ("plan__rep", "trigger")
    ordering = ("-created_at",)


@admin.register(MemoryModelFit)
class MemoryModelFitAdmin(MemoryModelReportAdminMixin, ReadOnlyAdmin):
    # The refit history; its "Memory model" report page is report/.
    organization_path = "organization"
    change_list_template = "admin/reinforcement/memorymodelfit_change_list.html"
    list_display = (
        "organization",
        "fitted_at",
        "adopted",
        "likelihood",
        "train_reviews",
        "holdout_reviews",
        "current_log_loss",
        "candidate_log_loss",
        "note",
    )
    list_filter = ("organization", "adopted")
    list_select_related = ("organization",)
    ordering = ("-fitted_at",)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    organization_path = GLOBAL  # infrastructure, no organization
    list_display = ("hostname", "beats", "updated_at")
    ordering = ("-updated_at",)


# Reminders and digests (docs/channels.md): read-only, to answer "did it go
# out, and if not, why?" (a canceled row's reason is in last_error).
OUTBOX_COLUMNS = ("status", "attempts", "next_attempt_at", "sent_at", "last_error")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    organization_path = "rep__rep_profile__team__organization"
    list_display = ("rep", "local_date", "channel", *OUTBOX_COLUMNS)
    list_filter = ("channel", "status")
    list_select_related = ("rep",)
    search_fields = ("rep__username", "rep__email")
    ordering = ("-local_date", "-created_at")


@admin.register(ManagerDigest)
class ManagerDigestAdmin(ReadOnlyAdmin):
    # A manager's digest is in scope for each organization whose team they manage.
    organization_paths = ("manager__managed_teams__organization",)
    list_display = ("manager", "week", *OUTBOX_COLUMNS)
    list_filter = ("status",)
    list_select_related = ("manager",)
    search_fields = ("manager__username", "manager__email")
    ordering = ("-week", "-created_at")
