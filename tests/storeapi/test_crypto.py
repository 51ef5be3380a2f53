import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from storeapi import crypto
from storeapi.models import Store
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

ACCESS = "live-access-token-abc123"
REFRESH = "live-refresh-token-def456"


def raw_row(store):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_encrypted, refresh_token_encrypted FROM storeapi_store WHERE id = %s", [store.pk]
        )
        return cursor.fetchone()


def test_tokens_round_trip_and_are_not_stored_in_clear():
    store = StoreFactory()
    store.set_tokens(access_token=ACCESS, refresh_token=REFRESH)
    store.save()

    access_row, refresh_row = raw_row(store)
    assert ACCESS not in access_row and REFRESH not in refresh_row
    fresh = Store.objects.get(pk=store.pk)
    assert fresh.access_token() == ACCESS
    assert fresh.refresh_token() == REFRESH
    assert ACCESS not in repr(fresh) and ACCESS not in str(fresh)


def test_key_rotation_reencrypts_and_old_rows_still_decrypt(settings, capsys):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old_key]
    store = StoreFactory()
    store.set_tokens(access_token=ACCESS, refresh_token=REFRESH)
    store.set_webhook_secret("whsec")
    store.save()
    before = raw_row(store)

    # The new key goes first; rows written with the old one still decrypt.
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    assert Store.objects.get(pk=store.pk).access_token() == ACCESS

    call_command("rotate_token_keys")
    assert "1 store" in capsys.readouterr().out
    after = raw_row(store)
    assert after != before

    # Only the new key is needed now.
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    fresh = Store.objects.get(pk=store.pk)
    assert (fresh.access_token(), fresh.refresh_token(), fresh.webhook_secret()) == (ACCESS, REFRESH, "whsec")


def test_a_value_from_an_unknown_key_fails_clearly(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    ciphertext = crypto.encrypt(ACCESS)
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError) as excinfo:
        crypto.decrypt(ciphertext)
    assert ACCESS not in str(excinfo.value)


@override_settings(TOKEN_ENCRYPTION_KEYS=["not-a-key"])
def test_a_bad_key_setting_is_reported():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(ACCESS)


def test_admin_never_shows_tokens(client):
    from tests.factories import OperatorFactory, sign_in_with_password

    store = StoreFactory()
    store.set_tokens(access_token=ACCESS, refresh_token=REFRESH)
    store.save()
    sign_in_with_password(client, OperatorFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/storeapi/store/{store.pk}/change/").content.decode()
    assert ACCESS not in page and REFRESH not in page
    assert store.access_token_encrypted not in page
