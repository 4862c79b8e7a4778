"""One organization with a row of every model the admin shows, for tenancy tests."""

import datetime as dt

from django.contrib.auth.models import Group
from django.db.models import Model
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)

from enablement.models import AccountEmail, AuditEntry, Campaign, Membership
from provisioning.models import ProvisioningToken
from provisioning.services import token_rotate
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
from revenue.models import (
    CrmEvent,
    CrmSettings,
    Opportunity,
    SalesStage,
    StageChange,
    StageRefresher,
    WebhookSecret,
)
from slack_app.models import SlackInstallation, SlackMember
from sso.models import AllowedDomain, IdentityProvider
from tests.factories.enablement import (
    EnrollmentFactory,
    MethodologyFactory,
    ModuleFactory,
    OrganizationFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt


def organization_world(*, prefix: str) -> dict[type[Model], Model]:
    """An organization named after prefix, with one object of each admin model.

    Every name, key, username and hostname starts with prefix, so a page that
    shows anything of this organization contains it.
    """
    now = timezone.now()
    # Engagement with names on, so the leaderboard is probed across tenants.
    organization = OrganizationFactory(
        name=f"{prefix} organization", engagement_enabled=True, leaderboard_names=True
    )
    admin = UserFactory(username=f"{prefix}-admin", is_staff=True)
    organization.admins.add(admin)
    team = TeamFactory(organization=organization, name=f"{prefix} team")
    manager = UserFactory(username=f"{prefix}-manager", is_staff=True)
    team.managers.add(manager)
    profile = RepProfileFactory(
        team=team, user=UserFactory(username=f"{prefix}-rep", email=f"{prefix}@x.io")
    )
    rep = profile.user
    memberships = [
        Membership.objects.create(user=user, organization=organization)
        for user in (rep, admin, manager)
    ]
    methodology = MethodologyFactory(
        organization=organization, key=f"{prefix}-m", name=f"{prefix} methodology"
    )
    topic = TopicFactory(
        organization=organization, key=f"{prefix}-t", name=f"{prefix} topic"
    )
    module = ModuleFactory(
        methodology=methodology, key=f"{prefix}-mod", name=f"{prefix} module"
    )
    question = QuestionFactory(
        module=module,
        topic=topic,
        key=f"{prefix}-q",
        stem=f"{prefix} stem",
        choices=[(f"{prefix} right", True), (f"{prefix} wrong", False)],
    )
    enrollment = EnrollmentFactory(module=module, team=team)
    state = MemoryState.objects.create(rep=rep, question=question)
    plan = DailyPlan.objects.create(rep=rep, local_date=now.date(), planned_at=now)
    prompt = make_prompt(rep=rep, question=question, plan=plan)
    answer = Answer.objects.create(
        prompt=make_prompt(
            rep=rep, question=question, local_date=now.date() - dt.timedelta(days=1)
        ),
        rep=rep,
        question=question,
        question_version=1,
        idempotency_key=f"{prefix}-key",
        chosen_choice_ids=[],
        choice_count=2,
        correct=True,
        confidence=Answer.Confidence.choices[0][0],
        rating=3,
        stability_after=2.0,
        difficulty_after=5.0,
        on_time=True,
        answered_at=now,
    )
    delivery = Delivery.objects.create(plan=plan, channel=Delivery.Channel.EMAIL)
    fit = MemoryModelFit.objects.create(
        organization=organization,
        fitted_at=now,
        parameters=[],
        previous_parameters=[],
        adopted=False,
        train_reviews=0,
        holdout_reviews=0,
        note=f"{prefix} fit",
    )
    heartbeat = WorkerHeartbeat.objects.create(hostname=f"{prefix}-worker")
    group = Group.objects.create(name=f"{prefix} group")
    token = OutstandingToken.objects.create(
        user=rep, jti=f"{prefix}-jti", token=f"{prefix}-token", expires_at=now
    )
    blacklisted = BlacklistedToken.objects.create(
        token=OutstandingToken.objects.create(
            user=rep, jti=f"{prefix}-old", token=f"{prefix}-old", expires_at=now
        )
    )
    provider = IdentityProvider.objects.create(
        organization=organization,
        display_name=f"{prefix} sso",
        issuer=f"https://{prefix}.idp.example/",
        client_id=f"{prefix}-client",
        client_secret=f"{prefix}-secret",
        default_team=team,
    )
    AllowedDomain.objects.create(provider=provider, domain=f"{prefix}.example")
    token_rotate(organization=organization)
    account_email = AccountEmail.objects.create(
        user=rep, kind=AccountEmail.Kind.INVITATION, last_error=f"{prefix} bounced"
    )
    reminder = Reminder.objects.create(
        rep=rep, local_date=now.date(), plan=plan, channel=Delivery.Channel.EMAIL,
        last_error=f"{prefix} reminder",
    )  # fmt: skip
    digest = ManagerDigest.objects.create(
        manager=manager, week=now.date(), last_error=f"{prefix} digest"
    )
    slack = SlackInstallation.objects.create(
        organization=organization,
        team_id=f"T-{prefix}",
        team_name=f"{prefix} workspace",
        bot_user_id=f"U-{prefix}-bot",
        bot_token=f"xoxb-{prefix}",
    )
    slack_member = SlackMember.objects.create(
        installation=slack, rep=rep, slack_user_id=f"U-{prefix}", checked_at=now
    )
    # CRM deals (revenue/): a deal with one move, an event id, a secret, settings.
    crm_stage = SalesStage.objects.create(
        organization=organization, name=f"{prefix} stage"
    )
    opportunity = Opportunity.objects.create(
        organization=organization,
        external_id=f"{prefix}-deal",
        name=f"{prefix} deal",
        owner=rep,
        stage=crm_stage,
        created_in_crm_at=now,
    )
    StageChange.objects.create(
        organization=organization,
        opportunity=opportunity,
        to_stage=crm_stage,
        changed_at=now,
    )
    crm_event = CrmEvent.objects.create(
        organization=organization,
        event_id=f"{prefix}-event",
        source="generic",
        received_at=now,
    )
    crm_secret = WebhookSecret.objects.create(
        organization=organization, key_id=f"{prefix}-key", secret=f"{prefix}-secret"
    )
    crm_settings = CrmSettings.objects.create(organization=organization)
    # The audit log recorded all of the above; its latest entry names the domain.
    # The stage-to-topic map and campaigns (crm-refresh).
    crm_stage.topics.add(topic)
    campaign = Campaign.objects.create(
        organization=organization,
        name=f"{prefix} campaign",
        starts_on=now.date(),
        ends_on=now.date(),
    )
    campaign.topics.add(topic)
    campaign.teams.add(team)
    refresher = StageRefresher.objects.create(
        organization=organization,
        opportunity=opportunity,
        stage=crm_stage,
        rep=rep,
        entered_at=now,
        due_at=now,
        detail=f"{prefix} detail",
    )
    audit_entry = (
        AuditEntry.objects.filter(organization=organization)
        .exclude(content_type__app_label="revenue")
        .exclude(content_type__model="campaign")
        .latest("pk")
    )
    return {
        ProvisioningToken: organization.provisioning_token,
        type(organization): organization,
        IdentityProvider: provider,
        type(team): team,
        type(profile): profile,
        type(rep): rep,
        Membership: memberships[0],
        type(methodology): methodology,
        type(topic): topic,
        type(module): module,
        type(question): question,
        type(enrollment): enrollment,
        MemoryState: state,
        DailyPlan: plan,
        Prompt: prompt,
        Answer: answer,
        Delivery: delivery,
        MemoryModelFit: fit,
        WorkerHeartbeat: heartbeat,
        Group: group,
        OutstandingToken: token,
        BlacklistedToken: blacklisted,
        AuditEntry: audit_entry,
        AccountEmail: account_email,
        Reminder: reminder,
        ManagerDigest: digest,
        SlackInstallation: slack,
        SlackMember: slack_member,
        Opportunity: opportunity,
        CrmEvent: crm_event,
        WebhookSecret: crm_secret,
        CrmSettings: crm_settings,
        SalesStage: crm_stage,
        Campaign: campaign,
        StageRefresher: refresher,
    }
