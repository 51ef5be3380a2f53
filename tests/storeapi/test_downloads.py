import pytest
import responses

from storeapi.downloads import open_signed_download
from storeapi.errors import StoreUnavailable, UnexpectedResponse
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(settings):
    settings.STOREAPI_STORE_URL = "https://{store}.29next.store"
    return StoreFactory(subdomain="acme")


@responses.activate
@pytest.mark.parametrize(
    "url", ["http://files.example.com/x.csv", "ftp://files.example.com/x.csv", "https://user@evil.example/x.csv"]
)
def test_only_https_or_the_store_itself_is_fetched(store, url):
    with pytest.raises(UnexpectedResponse):
        open_signed_download(url, store=store)
    assert len(responses.calls) == 0


@responses.activate
def test_a_signed_file_is_streamed_as_text_without_credentials(store):
    responses.get("https://files.example.com/x.csv?sig=abc", body="\ufeffnumber,total\n1,2.00\n")
    lines = list(open_signed_download("https://files.example.com/x.csv?sig=abc", store=store))
    assert lines == ["number,total\n", "1,2.00\n"]
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_server_errors_are_unavailable(store):
    responses.get("https://acme.29next.store/exports/1/file.csv", status=503)
    with pytest.raises(StoreUnavailable):
        open_signed_download("https://acme.29next.store/exports/1/file.csv", store=store)
