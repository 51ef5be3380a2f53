"""Export files on S3-compatible storage, by setting (FILE_STORAGE_BACKEND)."""

from django.core.files.storage import storages
from django.core.files.storage.handler import StorageHandler


def test_s3_compatible_storage_is_one_setting_away(settings, monkeypatch):
    # boto3 reads the credentials from the environment, as in production.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "storedesk-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "storedesk-test-secret")
    settings.AWS_STORAGE_BUCKET_NAME = "exports"
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9000"
    settings.AWS_S3_REGION_NAME = "us-east-1"
    handler = StorageHandler({**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}})
    storage = handler["default"]
    # A download link is signed here, without a request to the storage.
    url = storage.url("exports/1f0c/orders.csv")
    assert url.startswith("http://127.0.0.1:9000/exports/exports/1f0c/orders.csv?")
    assert "X-Amz-Signature=" in url and "X-Amz-Credential=storedesk-test%2F" in url  # SigV4
    assert storages["default"].__class__.__name__ == "FileSystemStorage"  # the default stays local
