"""The rep API under /api/v1/."""

from django.urls import path

from reinforcement.api.auth import (
    AuthTokenObtainApi,
    AuthTokenRefreshApi,
    AuthTokenRevokeApi,
)
from reinforcement.api.engagement import EngagementGetApi
from reinforcement.api.me import MeApi
from reinforcement.api.push_views import PushSubscriptionApi
from reinforcement.api.views import (
    AnswerSubmitApi,
    ProgressDetailApi,
    PromptDetailApi,
    PromptListApi,
    RefresherCreateApi,
    TopicListApi,
)

urlpatterns = [
    path("auth/token/", AuthTokenObtainApi.as_view(), name="api-token-obtain"),
    path(
        "auth/token/refresh/", AuthTokenRefreshApi.as_view(), name="api-token-refresh"
    ),
    path("auth/token/revoke/", AuthTokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", MeApi.as_view(), name="api-me"),
    path(
        "me/push-subscriptions/",
        PushSubscriptionApi.as_view(),
        name="api-push-subscriptions",
    ),
    path("prompts/", PromptListApi.as_view(), name="api-prompt-list"),
    path(
        "prompts/<uuid:prompt_id>/", PromptDetailApi.as_view(), name="api-prompt-detail"
    ),
    path(
        "prompts/<uuid:prompt_id>/answer/",
        AnswerSubmitApi.as_view(),
        name="api-answer-submit",
    ),
    path("progress/", ProgressDetailApi.as_view(), name="api-progress"),
    path("topics/", TopicListApi.as_view(), name="api-topic-list"),
    path("engagement/", EngagementGetApi.as_view(), name="api-engagement"),
    path("refreshers/", RefresherCreateApi.as_view(), name="api-refresher-create"),
]
