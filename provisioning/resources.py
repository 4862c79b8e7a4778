"""The SCIM resources this service serves, as scim2-models models.

They declare only the attributes a person and a team have here, so the
published Schemas say exactly what is stored; attributes an identity provider
sends beyond them (displayName, locale, password, ...) are ignored, as RFC 7644
§3.3 allows.
"""

from typing import Annotated, ClassVar

from pydantic import ConfigDict, Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    ExtensibleStringEnum,
    Filter,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
MAX_RESULTS = 200


# Sub-attributes an identity provider sends beyond these (name.formatted, a
# member's display) are ignored too.
IGNORE_OTHERS = ConfigDict(extra="ignore")


class Name(ComplexAttribute):
    model_config = IGNORE_OTHERS

    family_name: str | None = None
    given_name: str | None = None


class Email(ComplexAttribute):
    """The one address the person is reached at: their work email. It is the
    primary one by construction, so `primary` (sent by Okta and Entra) is not
    stored and not echoed."""

    class Type(ExtensibleStringEnum):
        work = "work"

    model_config = IGNORE_OTHERS
    value: Annotated[str | None, Required.true] = None
    type: Type | None = None


class User(Resource):
    __schema__ = URN(USER_SCHEMA)
    model_config = IGNORE_OTHERS

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    name: Name | None = None
    Name: ClassVar[type[ComplexAttribute]] = Name
    # Required: every person is reached by email (the invitation, the prompts).
    emails: Annotated[list[Email] | None, Required.true] = None
    Emails: ClassVar[type[ComplexAttribute]] = Email
    active: bool | None = None


class GroupMember(ComplexAttribute):
    model_config = IGNORE_OTHERS

    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])


class Group(Resource):
    __schema__ = URN(GROUP_SCHEMA)
    model_config = IGNORE_OTHERS

    display_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    members: list[GroupMember] | None = None
    Members: ClassVar[type[ComplexAttribute]] = GroupMember


CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    authentication_schemes=[
        AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="Bearer token",
            description="The organization's SCIM token, from its admin page.",
            primary=True,
        )
    ],
)

PROVIDER = ScimProvider(models=[User, Group], config=CONFIG)
