"""Rules for groups: removing, appointing admins, handing over ownership, capacity."""

from __future__ import annotations

import pytest

from microletter.core import conversations as rules
from microletter.core.errors import (
    GroupFull,
    InvalidInput,
    MemberNotFound,
    PermissionDenied,
    TooLarge,
)
from microletter.core.ids import ConversationId, UserId
from microletter.core.limits import Limits
from microletter.core.models import Instant, Member, Role

CID = ConversationId(10)


def member(uid: int, role: Role = Role.MEMBER, joined_seq: int = 1) -> Member:
    return Member(CID, UserId(uid), role, joined_seq, joined_seq - 1, False, Instant(0))


OWNER = member(1, Role.OWNER)
ADMIN = member(2, Role.ADMIN)
ADMIN2 = member(3, Role.ADMIN)
PLAIN = member(4)
PLAIN2 = member(5)


# --- removing members ---


@pytest.mark.parametrize("target", [ADMIN, PLAIN])
def test_the_owner_removes_anyone_else(target: Member) -> None:
    rules.check_remove(OWNER, target)


def test_an_admin_removes_plain_members() -> None:
    rules.check_remove(ADMIN, PLAIN)


@pytest.mark.parametrize("target", [OWNER, ADMIN2])
def test_an_admin_may_not_remove_the_owner_or_another_admin(target: Member) -> None:
    with pytest.raises(PermissionDenied):
        rules.check_remove(ADMIN, target)


@pytest.mark.parametrize("target", [OWNER, ADMIN, PLAIN2])
def test_a_plain_member_removes_nobody(target: Member) -> None:
    with pytest.raises(PermissionDenied):
        rules.check_remove(PLAIN, target)


@pytest.mark.parametrize("actor", [OWNER, ADMIN, PLAIN])
def test_nobody_removes_themselves(actor: Member) -> None:
    with pytest.raises(InvalidInput):
        rules.check_remove(actor, actor)


# --- roles ---


@pytest.mark.parametrize(("target", "role"), [(PLAIN, Role.ADMIN), (ADMIN, Role.MEMBER)])
def test_the_owner_appoints_and_dismisses_admins(target: Member, role: Role) -> None:
    rules.check_set_role(OWNER, target, role)


@pytest.mark.parametrize("actor", [ADMIN, PLAIN])
def test_only_the_owner_changes_roles(actor: Member) -> None:
    with pytest.raises(PermissionDenied):
        rules.check_set_role(actor, PLAIN2, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        rules.check_set_role(actor, ADMIN2, Role.MEMBER)


def test_ownership_is_not_a_role_you_can_set() -> None:
    with pytest.raises(InvalidInput):
        rules.check_set_role(OWNER, PLAIN, Role.OWNER)
    with pytest.raises(InvalidInput):
        rules.check_set_role(OWNER, OWNER, Role.ADMIN)


# --- transfer ---


def test_the_owner_transfers_to_a_member() -> None:
    assert rules.check_transfer(OWNER, PLAIN) is PLAIN
    assert rules.check_transfer(OWNER, ADMIN) is ADMIN


@pytest.mark.parametrize("actor", [ADMIN, PLAIN])
def test_only_the_owner_transfers(actor: Member) -> None:
    with pytest.raises(PermissionDenied):
        rules.check_transfer(actor, PLAIN2)


def test_the_new_owner_must_be_a_member() -> None:
    with pytest.raises(MemberNotFound):
        rules.check_transfer(OWNER, None)


def test_transferring_to_yourself_is_invalid() -> None:
    with pytest.raises(InvalidInput):
        rules.check_transfer(OWNER, OWNER)


# --- successor ---


def test_the_longest_standing_admin_inherits_the_group() -> None:
    members = [
        OWNER,
        member(7, joined_seq=1),
        member(8, Role.ADMIN, joined_seq=9),
        member(6, Role.ADMIN, joined_seq=5),
    ]
    heir = rules.successor(OWNER, members)
    assert heir is not None and heir.user_id == 6


def test_without_admins_the_longest_standing_member_inherits() -> None:
    members = [OWNER, member(9, joined_seq=4), member(8, joined_seq=2), member(7, joined_seq=3)]
    heir = rules.successor(OWNER, members)
    assert heir is not None and heir.user_id == 8


def test_a_tie_in_seniority_goes_to_the_lower_user_id() -> None:
    members = [member(9, joined_seq=2), OWNER, member(8, joined_seq=2)]
    heir = rules.successor(OWNER, members)
    assert heir is not None and heir.user_id == 8


def test_the_last_member_leaving_has_no_successor() -> None:
    assert rules.successor(OWNER, [OWNER]) is None
    assert rules.successor(OWNER, []) is None


# --- capacity and texts ---


def test_a_group_may_fill_up_to_its_limit_but_not_beyond() -> None:
    limits = Limits(max_group_members=3)
    rules.check_capacity(1, 2, limits)
    rules.check_capacity(3, 0, limits)
    with pytest.raises(GroupFull) as caught:
        rules.check_capacity(2, 2, limits)
    assert caught.value.details["max_members"] == 3


def test_a_group_name_is_trimmed_bounded_and_printable() -> None:
    limits = Limits(max_group_name=4)
    assert rules.check_group_name("  team  ", limits) == "team"
    with pytest.raises(TooLarge):
        rules.check_group_name("teams", limits)
    for bad in ("a\nb", "a\x00b", "a\x7fb"):
        with pytest.raises(InvalidInput):
            rules.check_group_name(bad, limits)


def test_an_announcement_is_bounded() -> None:
    limits = Limits(max_announcement=3)
    assert rules.check_announcement("abc", limits) == "abc"
    with pytest.raises(TooLarge):
        rules.check_announcement("abcd", limits)


def test_the_direct_key_of_a_pair_does_not_depend_on_who_asks() -> None:
    a, b = UserId(20), UserId(3)
    assert rules.direct_key(a, b) == rules.direct_key(b, a) == "3:20"


def test_only_owners_and_admins_are_managers() -> None:
    rules.require_manager(OWNER)
    rules.require_manager(ADMIN)
    with pytest.raises(PermissionDenied):
        rules.require_manager(PLAIN)
