"""Refreshing a store's access token (storeapi.oauth) against the sandbox over real HTTP:
across a key rotation, and from two processes at once.

A store "connected by OAuth whose access token has stopped working" holds the refresh
token of a grant made through the consent page and an access token of the app that the
store has revoked (at its RFC 7009 revocation endpoint): the API answers it 401, as it
does an expired one, and the refresh token is good. (Revoking the grant's own access
token would revoke its refresh token too, as django-oauth-toolkit does.)
"""

import io

import pytest
import requests
from cryptography.fernet import Fernet
from django.core.management import call_command

from storeapi.client import StoreClient
from storeapi.models import Store
from tests.storeapi.test_client import api_log, oauth_grant
from tests.storeapi.wiretap import before_sending


def revoke_access_token(sandbox, store: str, access_token: str) -> None:
    response = requests.post(
        f"{sandbox.store_url(store)}/oauth2/revoke_token/",
        data={
            "token": access_token,
            "token_type_hint": "access_token",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert sandbox.api(store, "GET", "store/", token=access_token).status_code == 401


def oauth_store_with_a_revoked_access_token(sandbox, subdomain: str = "siam") -> tuple[Store, str]:
    """The store row, and the revoked access token it holds."""
    grant = oauth_grant(sandbox, subdomain)
    revoked = sandbox.issue_token(subdomain, app=True)
    revoke_access_token(sandbox, subdomain, revoked)
    store, _ = Store.objects.update_or_create(
        subdomain=subdomain, defaults={"name": subdomain.title(), "status": Store.Status.CONNECTED}
    )
    store.set_tokens(access_token=revoked, refresh_token=grant["refresh_token"])
    store.save()
    sandbox.clear_request_log(subdomain)
    return store, revoked


# --- a key rotation between a request and its 401 --------------------------------------------


@pytest.mark.django_db
def test_a_key_rotation_during_a_request_does_not_cost_the_connection(sandbox, settings):
    """`rotate_token_keys` re-encrypts every token: the ciphertext changes, the token
    does not. A request that started before the rotation and met a 401 after it must
    refresh the token, not take the new ciphertext for a token another process saved."""
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old_key]
    store, revoked = oauth_store_with_a_revoked_access_token(sandbox)
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]  # step 1 of a rotation: the new key first

    rotated = []

    def rotate_once(request):
        if not rotated:  # step 2, while the first request is on its way
            call_command("rotate_token_keys", stdout=io.StringIO())
            rotated.append(Store.objects.get(pk=store.pk).access_token_encrypted)

    with before_sending(sandbox.api_url("siam"), rotate_once):
        assert StoreClient.for_store(store).get("store/")[0]["name"]

    store.refresh_from_db()
    assert store.status == Store.Status.CONNECTED
    assert rotated and rotated[0] != store.access_token_encrypted  # refreshed after the rotation
    assert store.access_token() != revoked
    assert [e["status"] for e in api_log(sandbox, "siam", "store/")] == [401, 200]
    # Everything is under the new key: the old one can go (step 3).
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    assert Store.objects.get(pk=store.pk).refresh_token()
