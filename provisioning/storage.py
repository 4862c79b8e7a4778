"""scim2-server's storage interface over this service's people and teams.

scim2-server validates requests, applies PATCH and PUT to the current
resource and builds responses; this storage turns a resource into the calls
of provisioning.services (and so enablement.services.people) and the rows
back into resources. One storage serves one organization: the token's.
"""

import hashlib
import json
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from scim2_models import (
    InvalidFilterException,
    InvalidValueException,
    Meta,
    NotFoundException,
    Resource,
    ResourceType,
    ResponseParameters,
    ScimFilter,
    SearchRequest,
    UniquenessException,
)
from scim2_models.path import CompareOperator, Comparison
from scim2_server.storage import ScimStorage, SearchPage

from core.errors import ApplicationError
from enablement.models import Membership, Organization, Team
from provisioning import services
from provisioning.models import TeamLink
from provisioning.resources import Email, Group, GroupMember, Name, User
from provisioning.selectors import scim_people, scim_teams

# Filters on these attributes narrow the rows in SQL before scim2-models
# evaluates the whole filter on the resources (Okta's and Entra's look-ups).
USER_LOOKUPS = {
    "username": "user__username__iexact",
    "externalid": "external_id",
    "id": "user_id",
    "emails.value": "user__email__iexact",
    "emails": "user__email__iexact",
}
GROUP_LOOKUPS = {
    "displayname": "name__iexact",
    "externalid": "scim_link__external_id",
    "id": "pk",
}


def _version(resource: Resource) -> str:
    body = json.dumps(resource.model_dump(exclude={"meta"}), sort_keys=True)
    return 'W/"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'


def _meta(resource: Resource, kind: str, row) -> Resource:
    resource.meta = Meta(
        resource_type=kind,
        created=row.created_at,
        last_modified=row.updated_at,
        version=_version(resource),
    )
    return resource


def user_resource(membership: Membership) -> User:
    user = membership.user
    names = Name(given_name=user.first_name or None, family_name=user.last_name or None)
    resource = User(
        id=str(user.pk),
        external_id=membership.external_id or None,
        user_name=user.get_username(),
        name=names if names.given_name or names.family_name else None,
        emails=[Email(value=user.email, type="work")] if user.email else None,
        active=membership.deactivated_at is None,
    )
    return _meta(resource, "User", membership)


def group_resource(team: Team) -> Group:
    reps = getattr(team, "scim_reps", None)
    if reps is None:
        reps = team.reps.select_related("user")
    members = [
        GroupMember(value=str(rep.user_id), ref=f"Users/{rep.user_id}", type="User")
        for rep in reps
    ]
    try:
        link = team.scim_link
    except TeamLink.DoesNotExist:
        link = None
    resource = Group(
        id=str(team.pk),
        external_id=(link.external_id or None) if link else None,
        display_name=team.name,
        members=members or None,
    )
    return _meta(resource, "Group", team)


def _person(resource: User) -> services.ScimPerson:
    emails = resource.emails or []
    chosen = next(
        (e for e in emails if e.type == "work"), emails[0] if emails else None
    )
    email = (chosen.value if chosen else None) or resource.user_name or ""
    name = resource.name or Name()
    return services.ScimPerson(
        user_name=(resource.user_name or "").strip(),
        email=email.strip(),
        given_name=name.given_name,
        family_name=name.family_name,
        external_id=(resource.external_id or "").strip(),
        # No active (a PUT without it, a PATCH removing it) leaves it as it is.
        active=resource.active,
    )


def _group(resource: Group) -> services.ScimGroup:
    return services.ScimGroup(
        name=(resource.display_name or "").strip(),
        external_id=(resource.external_id or "").strip(),
        member_ids=[m.value for m in resource.members or [] if m.value],
    )


@contextmanager
def _refusals():
    """A service's refusal as the SCIM error of RFC 7644 §3.12."""
    try:
        yield
    except ApplicationError as error:
        if error.code == "conflict":
            raise UniquenessException(detail=error.message) from error
        raise InvalidValueException(detail=error.message) from error
    except IntegrityError as error:
        # Two requests raced for one userName: the database's constraint won.
        raise UniquenessException(detail="The value is already taken.") from error
    except (ProtectedError, RestrictedError) as error:
        raise InvalidValueException(
            detail="Other records still depend on this resource."
        ) from error


def _narrowing(scim_filter: ScimFilter | None, lookups: dict[str, str]) -> dict:
    """The SQL condition of a filter that is one `eq` on a looked-up attribute."""
    node = scim_filter.ast if scim_filter is not None else None
    if not isinstance(node, Comparison) or node.op != CompareOperator.eq:
        return {}
    path = str(node.attr_path).rsplit(":", 1)[-1].lower()
    lookup = lookups.get(path)
    if lookup is None or not isinstance(node.value, str | int):
        return {}
    value = str(node.value)
    if lookup in ("pk", "user_id") and not value.isdigit():
        return {"pk__in": []}
    return {lookup: value}


class OrganizationStorage(ScimStorage):
    """The Users and Groups of one organization."""

    def __init__(self, organization: Organization):
        self.organization = organization

    # -- reads ----------------------------------------------------------

    def _membership(self, resource_id: str) -> Membership:
        people = scim_people(organization=self.organization)
        membership = (
            people.filter(user_id=int(resource_id)).first()
            if resource_id.isdigit()
            else None
        )
        if membership is None:
            raise NotFoundException(detail=f"User {resource_id} not found")
        return membership

    def _team(self, resource_id: str) -> Team:
        teams = scim_teams(organization=self.organization)
        team = (
            teams.filter(pk=int(resource_id)).first() if resource_id.isdigit() else None
        )
        if team is None:
            raise NotFoundException(detail=f"Group {resource_id} not found")
        return team

    def get(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        response_parameters: ResponseParameters | None = None,
    ) -> Resource:
        if resource_type.name == "User":
            return user_resource(self._membership(resource_id))
        return group_resource(self._team(resource_id))

    def search(
        self,
        resource_types: list[ResourceType],
        search_request: SearchRequest,
        *,
        position: Any = None,
    ) -> SearchPage:
        if search_request.cursor is not None:
            raise InvalidValueException(detail="Cursor paging is not supported")
        start = search_request.start_index_0 or 0
        stop = None if search_request.count is None else start + search_request.count
        if search_request.filter is None and len(resource_types) == 1:
            # An IdP's full import pages through everyone: page in SQL.
            rows, build = self._rows(resource_types[0])
            return SearchPage(rows.count(), [build(row) for row in rows[start:stop]])
        found: list[Resource] = []
        for resource_type in resource_types:
            found += self._matching(resource_type, search_request.filter)
        return SearchPage(len(found), found[start:stop])

    def _rows(self, resource_type: ResourceType):
        if resource_type.name == "User":
            return scim_people(organization=self.organization), user_resource
        return scim_teams(organization=self.organization), group_resource

    def _matching(
        self, resource_type: ResourceType, scim_filter: ScimFilter | None
    ) -> list[Resource]:
        if resource_type.name == "User":
            rows = scim_people(organization=self.organization)
            narrowing = _narrowing(scim_filter, USER_LOOKUPS)
            resources = [user_resource(m) for m in rows.filter(**narrowing)]
            model = User
        else:
            rows = scim_teams(organization=self.organization)
            narrowing = _narrowing(scim_filter, GROUP_LOOKUPS)
            resources = [group_resource(t) for t in rows.filter(**narrowing)]
            model = Group
        if scim_filter is None:
            return resources
        try:
            bound = ScimFilter[model](str(scim_filter))
            return [r for r in resources if bound.match(r)]
        except (ValueError, TypeError) as error:
            raise InvalidFilterException(detail=str(error)) from error

    # -- writes ---------------------------------------------------------

    def create(self, resource_type: ResourceType, resource: Resource) -> Resource:
        with _refusals():
            if resource_type.name == "User":
                membership = services.scim_user_create(
                    organization=self.organization, person=_person(resource)
                )
                return self.get(resource_type, str(membership.user_id))
            team = services.scim_group_create(
                organization=self.organization, group=_group(resource)
            )
        return self.get(resource_type, str(team.pk))

    def update(
        self,
        resource_type: ResourceType,
        resource: Resource,
        *,
        expected_version: str | None = None,
    ) -> Resource:
        resource_id = str(resource.id)
        with _refusals():
            if resource_type.name == "User":
                services.scim_user_update(
                    membership=self._membership(resource_id), person=_person(resource)
                )
            else:
                services.scim_group_update(
                    team=self._team(resource_id), group=_group(resource)
                )
        return self.get(resource_type, resource_id)

    def delete(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        expected_version: str | None = None,
    ) -> None:
        with _refusals():
            if resource_type.name == "User":
                services.scim_user_delete(membership=self._membership(resource_id))
            else:
                services.scim_group_delete(team=self._team(resource_id))
