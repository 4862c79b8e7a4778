"""The rep API: thin views over the prompt, answer, progress and refresher code.

Services' refusals (``core.errors.ApplicationError``) propagate to
``api.errors.api_exception_handler``, which answers them with their code's status.
"""

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError
from reinforcement.api.permissions import rep_situation_or_error
from reinforcement.api.schema import AUTHENTICATED, WITH_BODY, error_responses
from reinforcement.api.serializers import (
    AnswerInputSerializer,
    AnswerOutputSerializer,
    EnrolledTopicSerializer,
    ProgressOutputSerializer,
    PromptListFilterSerializer,
    PromptOutputSerializer,
    RefresherInputSerializer,
    RefresherModuleInputSerializer,
    RefresherOutputSerializer,
    RefresherTopicInputSerializer,
)
from reinforcement.selectors.progress import rep_progress_get
from reinforcement.selectors.prompts import (
    prompt_get_for_rep,
    prompts_open_for_rep,
)
from reinforcement.selectors.reps import topics_enrolled_for_rep
from reinforcement.services.answers import answer_submit
from reinforcement.services.refresher import refresher_create


def _errors(*statuses: int) -> dict:
    return error_responses(*AUTHENTICATED, *statuses)


@extend_schema_view(
    get=extend_schema(
        tags=["rep"],
        parameters=[PromptListFilterSerializer],
        # 404: a page past the last.
        responses={200: PromptOutputSerializer(many=True), **_errors(400, 404)},
        summary="Today's open prompts",
    )
)
class PromptListApi(ListAPIView):
    """The rep's open prompts: today's dose, earlier days still in their window,
    and open refresher prompts. Never says which choice is correct."""

    serializer_class = PromptOutputSerializer

    def get_queryset(self):
        filters = PromptListFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return prompts_open_for_rep(
            rep_id=self.request.user.pk, now=timezone.now(), **filters.validated_data
        )


class PromptDetailApi(APIView):
    @extend_schema(
        tags=["rep"],
        responses={200: PromptOutputSerializer, **_errors(404)},
        summary="One of my prompts",
    )
    def get(self, request: Request, prompt_id) -> Response:
        prompt = prompt_get_for_rep(rep_id=request.user.pk, prompt_id=prompt_id)
        if prompt is None:
            raise ApplicationError("not_found", "No such prompt.")
        return Response(PromptOutputSerializer(prompt).data)


class AnswerSubmitApi(APIView):
    @extend_schema(
        tags=["rep"],
        request=AnswerInputSerializer,
        responses={
            201: AnswerOutputSerializer,
            200: OpenApiResponse(
                AnswerOutputSerializer,
                description="A replay: this idempotency key was seen before.",
            ),
            **_errors(*WITH_BODY, 404, 409, 422),
        },
        summary="Answer a prompt",
    )
    def post(self, request: Request, prompt_id) -> Response:
        serializer = AnswerInputSerializer(data=_with_header_key(request))
        serializer.is_valid(raise_exception=True)
        outcome = answer_submit(
            rep_id=request.user.pk,
            prompt_id=prompt_id,
            now=timezone.now(),
            # A session is the rep's web app (its offline queue posts here);
            # a bearer token is the mobile app.
            channel="web"
            if isinstance(request.successful_authenticator, SessionAuthentication)
            else "api",
            **serializer.validated_data,
        )
        return Response(
            AnswerOutputSerializer(outcome.feedback).data,
            status=status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED,
        )


def _with_header_key(request: Request):
    """The body, with the key of an ``Idempotency-Key`` header if it has none.

    The schema documents the body field (required); the header is still read
    for clients written before it was.
    """
    data, header = request.data, request.headers.get("Idempotency-Key")
    if header and isinstance(data, dict) and "idempotency_key" not in data:
        return {**data, "idempotency_key": header}
    return data


class ProgressDetailApi(APIView):
    @extend_schema(
        tags=["rep"],
        responses={200: ProgressOutputSerializer, **_errors()},
        summary="My retention, mastery, streak and activity",
    )
    def get(self, request: Request) -> Response:
        situation = rep_situation_or_error(request)
        progress = rep_progress_get(situation=situation, now=timezone.now())
        return Response(ProgressOutputSerializer(progress).data)


@extend_schema_view(
    get=extend_schema(
        tags=["rep"],
        responses={200: EnrolledTopicSerializer(many=True), **_errors(400, 404)},
        summary="Topics I am enrolled in (refresher targets)",
    )
)
class TopicListApi(ListAPIView):
    serializer_class = EnrolledTopicSerializer

    def get_queryset(self):
        situation = rep_situation_or_error(self.request)
        return topics_enrolled_for_rep(situation=situation)


class RefresherCreateApi(APIView):
    @extend_schema(
        tags=["rep"],
        # Exactly one of topic_id and module_id, as the view checks.
        request=PolymorphicProxySerializer(
            component_name="RefresherInput",
            serializers=[RefresherTopicInputSerializer, RefresherModuleInputSerializer],
            resource_type_field_name=None,
        ),
        responses={201: RefresherOutputSerializer, **_errors(*WITH_BODY, 404, 422)},
        summary="Just-in-time refresher on a topic or module",
    )
    def post(self, request: Request) -> Response:
        situation = rep_situation_or_error(request)
        serializer = RefresherInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        prompts = refresher_create(
            situation=situation, now=timezone.now(), **serializer.validated_data
        )
        return Response(
            RefresherOutputSerializer({"prompts": prompts}).data,
            status=status.HTTP_201_CREATED,
        )
