from oauth2_provider.oauth2_validators import OAuth2Validator

# Users of this group have an address the provider has not verified.
UNVERIFIED_GROUP = "unverified"


class ClaimsValidator(OAuth2Validator):
    """The standard email and profile claims, in the ID token and at userinfo."""

    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": not user.groups.filter(name=UNVERIFIED_GROUP).exists(),
            "given_name": user.first_name,
            "family_name": user.last_name,
        }
