"""The process's HTTP session to stores (storeapi/http.py): the environment is read once,
and what it configures (a proxy) is still applied."""

import pytest
import requests

from storeapi import http


@pytest.fixture
def fresh_session(monkeypatch, tmp_path):
    """A session built anew for the test, in an environment without proxies or ~/.netrc."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)
    monkeypatch.setattr(http, "_session", None)
    yield
    monkeypatch.setattr(http, "_session", None)


def test_with_nothing_configured_requests_does_not_read_the_environment_per_request(fresh_session, sandbox):
    session = http.shared_session()
    assert session.trust_env is False
    assert session.get(f"{sandbox.base_url}/", timeout=5).status_code < 500
    assert http.shared_session() is session  # one per process


@pytest.mark.parametrize("name", ["HTTP_PROXY", "https_proxy"])
def test_a_proxy_in_the_environment_is_still_used(fresh_session, monkeypatch, sandbox, name):
    monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there: the proxy is tried and fails
    session = http.shared_session()
    assert session.trust_env is True
    url = sandbox.base_url.replace("127.0.0.1", "localhost") if name == "HTTP_PROXY" else "https://example.invalid/"
    with pytest.raises(requests.exceptions.ProxyError):
        session.get(url, timeout=5)


@pytest.mark.parametrize("name", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_in_the_environment_is_still_used(fresh_session, monkeypatch, tmp_path, name):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv(name, str(tmp_path / "bundle.pem"))
    session = http.shared_session()
    assert session.trust_env is False
    assert session.verify == str(tmp_path / "bundle.pem")
    assert session.merge_environment_settings("https://example.com/", {}, None, None, None)["verify"] == str(
        tmp_path / "bundle.pem"
    )


def test_without_a_ca_bundle_certificates_are_verified_with_the_default_one(fresh_session, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert http.shared_session().verify is True


def test_a_netrc_file_keeps_requests_reading_it(fresh_session, tmp_path):
    (tmp_path / ".netrc").write_text("machine example.com login a password b\n")
    assert http.shared_session().trust_env is True
