import pytest

from storeapi.roles import ROLE_PERMISSIONS, Perm, Role, role_allows

# The whole table, written out: a change to who may do what must change this test.
EXPECTED = {
    Perm.VIEW: {Role.VIEWER, Role.AGENT, Role.MANAGER, Role.OWNER},
    Perm.REPLY_TICKETS: {Role.AGENT, Role.MANAGER, Role.OWNER},
    Perm.UPDATE_TICKETS: {Role.AGENT, Role.MANAGER, Role.OWNER},
    Perm.ADD_NOTES: {Role.AGENT, Role.MANAGER, Role.OWNER},
    Perm.TAG_ORDERS: {Role.AGENT, Role.MANAGER, Role.OWNER},
    Perm.CREATE_CUSTOMERS: {Role.AGENT, Role.MANAGER, Role.OWNER},
    Perm.BULK_TICKETS: {Role.AGENT, Role.MANAGER, Role.OWNER},
    Perm.ORDER_ACTIONS: {Role.MANAGER, Role.OWNER},
    Perm.CREATE_ORDERS: {Role.MANAGER, Role.OWNER},
    Perm.BULK_ORDERS: {Role.MANAGER, Role.OWNER},
    Perm.EXPORT_ORDERS: {Role.MANAGER, Role.OWNER},
    Perm.MANAGE_MACROS: {Role.MANAGER, Role.OWNER},
    Perm.MANAGE_CONNECTION: {Role.OWNER},
    Perm.MANAGE_MEMBERS: {Role.OWNER},
    Perm.VIEW_AUDIT_LOG: {Role.OWNER},
}


def test_every_permission_is_in_the_expected_table():
    assert set(EXPECTED) == set(Perm)
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("perm", list(Perm))
def test_role_permission(role, perm):
    assert role_allows(role, perm) is (role in EXPECTED[perm])


def test_unknown_role_allows_nothing():
    assert not any(role_allows("admin", perm) for perm in Perm)
