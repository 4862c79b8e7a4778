"""Token endpoints for mobile clients (JWT, simplejwt), with throttled login and refresh.

The throttles keep working while Redis is down (reinforcement/api/throttles.py).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from enablement.login_security import lockout_message, login_paused
from reinforcement.api.errors import ApiError
from reinforcement.api.schema import WITH_BODY, error_responses
from reinforcement.api.serializers import (
    TokenObtainInputSerializer,
    TokenPairOutputSerializer,
    TokenRefreshInputSerializer,
    TokenRevokeInputSerializer,
)
from reinforcement.api.throttles import LoginRateThrottle, RefreshRateThrottle

ERRORS = error_responses(*WITH_BODY, 401, 429)


@extend_schema(
    tags=["auth"],
    auth=[],
    request=TokenObtainInputSerializer,
    responses={200: TokenPairOutputSerializer, **ERRORS},
)
class AuthTokenObtainApi(TokenObtainPairView):
    """Exchange username and password for an access and a refresh token.

    Throttled per client address (setting ``API_LOGIN_THROTTLE``).
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]
    throttle_scope = "login"

    def post(self, request: Request, *args, **kwargs) -> Response:
        # django-axes paused this account's or address's sign-in: say so,
        # rather than "wrong password" to the right one.
        username = (
            request.data.get("username") if hasattr(request.data, "get") else None
        )
        if login_paused(request=request, username=username):
            raise ApiError("throttled", lockout_message(), 429)
        return super().post(request, *args, **kwargs)


@extend_schema(
    tags=["auth"],
    auth=[],
    request=TokenRefreshInputSerializer,
    responses={200: TokenPairOutputSerializer, **ERRORS},
)
class AuthTokenRefreshApi(TokenRefreshView):
    """Exchange a refresh token for a new pair; the old refresh token is revoked.

    Throttled per account, not per address (setting ``API_REFRESH_THROTTLE``).
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RefreshRateThrottle]


class AuthTokenRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        request=TokenRevokeInputSerializer,
        responses={204: None, **ERRORS, **error_responses(403)},
        summary="Revoke a refresh token (log out a device).",
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRevokeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
        except TokenError as exc:
            # 401, as the refresh endpoint answers a bad refresh token.
            raise ApiError("token_not_valid", str(exc), 401) from exc
        if str(token.get("user_id")) != str(request.user.pk):
            raise ApiError("token_not_valid", "Token is invalid.", 401)
        token.blacklist()
        return Response(status=status.HTTP_204_NO_CONTENT)
