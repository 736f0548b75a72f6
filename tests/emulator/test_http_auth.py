"""The token endpoint and the API's 401/403 answers, over loopback HTTP."""

from __future__ import annotations

import base64

import pytest
from emulator_support import READ, WRITE, assert_api_error, decode_jwt_claims

GRANT = {"grant_type": "client_credentials"}


def _oauth_error(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert isinstance(body["error_description"], str) and body["error_description"]
    return body


# -- token endpoint ------------------------------------------------------------------------

def test_token_with_form_body(emu, http):
    response = http.post(emu.token_url, data={**GRANT, "scope": f"{READ} {WRITE}"},
                         auth=(emu.client_id, emu.client_secret))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["scope"].split() == [READ, WRITE]
    assert response.headers["Cache-Control"] == "no-store"


def test_token_with_query_string_and_empty_body(emu, http):
    response = http.post(emu.token_url, params={**GRANT, "scope": READ}, auth=(emu.client_id, emu.client_secret))
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == READ
    assert decode_jwt_claims(response.json()["access_token"])["scp"] == [READ]


def test_token_form_body_wins_over_query_string(emu, http):
    response = http.post(emu.token_url, params={**GRANT, "scope": WRITE}, data={"scope": READ},
                         auth=(emu.client_id, emu.client_secret))
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == READ


def test_token_without_scope_grants_every_client_scope(emu, http):
    response = http.post(emu.token_url, data=GRANT, auth=(emu.client_id, emu.client_secret))
    assert response.status_code == 200
    assert sorted(response.json()["scope"].split()) == [READ, WRITE]


def test_token_without_scope_for_read_only_client(emu, http):
    emu.add_client("reader", "reader-secret", (READ,))
    response = http.post(emu.token_url, data=GRANT, auth=("reader", "reader-secret"))
    assert response.status_code == 200
    assert response.json()["scope"] == READ


def test_token_unknown_scope_is_invalid_scope(emu, http):
    response = http.post(emu.token_url, data={**GRANT, "scope": f"{READ} recordings:read"},
                         auth=(emu.client_id, emu.client_secret))
    body = _oauth_error(response, 400, "invalid_scope")
    assert "recordings:read" in body["error_description"]


def test_token_scope_not_granted_to_client_is_invalid_scope(emu, http):
    emu.add_client("reader", "reader-secret", (READ,))
    response = http.post(emu.token_url, data={**GRANT, "scope": WRITE}, auth=("reader", "reader-secret"))
    _oauth_error(response, 400, "invalid_scope")


def test_token_wrong_secret_is_invalid_client(emu, http):
    response = http.post(emu.token_url, data=GRANT, auth=(emu.client_id, "not-the-secret"))
    _oauth_error(response, 401, "invalid_client")
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_token_unknown_client_is_invalid_client(emu, http):
    response = http.post(emu.token_url, data=GRANT, auth=("nobody", emu.client_secret))
    _oauth_error(response, 401, "invalid_client")


def test_token_without_basic_auth_is_invalid_client(emu, http):
    response = http.post(emu.token_url, data={**GRANT, "client_id": emu.client_id,
                                              "client_secret": emu.client_secret})
    _oauth_error(response, 401, "invalid_client")


def test_token_malformed_basic_auth_is_invalid_client(emu, http):
    response = http.post(emu.token_url, data=GRANT, headers={"Authorization": "Basic %%%not-base64"})
    _oauth_error(response, 401, "invalid_client")
    no_colon = base64.b64encode(b"just-an-id").decode()
    response = http.post(emu.token_url, data=GRANT, headers={"Authorization": f"Basic {no_colon}"})
    _oauth_error(response, 401, "invalid_client")


def test_token_missing_grant_type_is_400(emu, http):
    response = http.post(emu.token_url, data={"scope": READ}, auth=(emu.client_id, emu.client_secret))
    body = _oauth_error(response, 400, "invalid_request")
    assert "grant_type" in body["error_description"]


def test_token_wrong_grant_type_is_unsupported_grant_type(emu, http):
    response = http.post(emu.token_url, data={"grant_type": "password"}, auth=(emu.client_id, emu.client_secret))
    _oauth_error(response, 400, "unsupported_grant_type")


def test_token_get_is_405(emu, http):
    response = http.get(emu.token_url, params=GRANT, auth=(emu.client_id, emu.client_secret))
    assert response.status_code == 405


def test_token_expires_in_is_the_default_ttl(emu, http):
    response = http.post(emu.token_url, data=GRANT, auth=(emu.client_id, emu.client_secret))
    body = response.json()
    assert body["expires_in"] == emu.options.token_ttl == 600
    claims = decode_jwt_claims(body["access_token"])
    assert claims["exp"] - claims["iat"] == 600
    assert claims["cid"] == claims["sub"] == emu.client_id
    assert claims["gty"] == "client_credentials"


def test_token_expires_in_follows_configured_ttl(emu, http, api):
    emu.configure(token_ttl=120)
    response = http.post(emu.token_url, data=GRANT, auth=(emu.client_id, emu.client_secret))
    body = response.json()
    assert body["expires_in"] == 120
    token = body["access_token"]
    assert api.create(token=token).status_code == 202
    emu.clock.advance(121)
    assert_api_error(api.create(token=token), 401, code="unauthorized")


def test_token_client_registered_with_custom_secret(http):
    from explore_pandas.emulator import Emulator

    with Emulator(client_id="me", client_secret="s3cret") as emu:
        response = http.post(emu.token_url, data=GRANT, auth=("me", "s3cret"))
        assert response.status_code == 200
        assert emu.credentials["client_secret"] == "s3cret"


# -- the API side: 401 -------------------------------------------------------------------

def test_missing_token_is_401(api):
    response = api.http.post(api.jobs_url(), json={"timespan": {}})
    body = assert_api_error(response, 401, code="unauthorized")
    assert body["fields"] == []
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_invalid_token_is_401(api):
    body = assert_api_error(api.create(token="not.a.jwt"), 401, code="unauthorized")
    assert "invalid" in body["description"]


def test_tampered_token_is_401(api, token):
    head, claims, _signature = token().split(".")
    forged = f"{head}.{claims}.{base64.urlsafe_b64encode(b'x' * 32).decode().rstrip('=')}"
    assert_api_error(api.create(token=forged), 401, code="unauthorized")


def test_basic_credentials_on_api_are_401(api, emu):
    raw = base64.b64encode(f"{emu.client_id}:{emu.client_secret}".encode()).decode()
    response = api.http.post(api.jobs_url(), json={}, headers={"Authorization": f"Basic {raw}"})
    assert_api_error(response, 401, code="unauthorized")


def test_expired_token_is_401(api, emu, token):
    fresh = token()
    assert api.status("no-such-job", token=fresh).status_code == 404  # valid until now
    emu.clock.advance(601)
    body = assert_api_error(api.create(token=fresh), 401, code="unauthorized")
    assert "expired" in body["description"]
    assert api.create(token=token()).status_code == 202  # a new token works


def test_token_valid_just_before_expiry(api, emu, token):
    fresh = token()
    emu.clock.advance(598)
    assert api.create(token=fresh).status_code == 202


def test_revoked_token_is_401(api, emu, token):
    old = token()
    emu.revoke_tokens()
    body = assert_api_error(api.create(token=old), 401, code="unauthorized")
    assert "revoked" in body["description"]
    assert api.create(token=token()).status_code == 202


def test_401_comes_before_unknown_report_type(api):
    response = api.http.post(api.jobs_url("no_such_report"), json={})
    assert_api_error(response, 401)


def test_401_on_every_api_endpoint(api, emu):
    job_id = api.create_id()
    calls = [
        ("GET", api.jobs_url()), ("POST", api.jobs_url()),
        ("GET", api.job_url(job_id)), ("DELETE", api.job_url(job_id)),
        ("GET", api.files_url(job_id)), ("DELETE", api.files_url(job_id)),
    ]
    for method, url in calls:
        response = api.http.request(method, url, allow_redirects=False)
        assert_api_error(response, 401)


# -- the API side: 403 (missing scope) -------------------------------------------------------

def test_read_only_client_cannot_create_403(api, emu, token):
    emu.add_client("reader", "reader-secret", (READ,))
    reader = token(client=("reader", "reader-secret"))
    body = assert_api_error(api.create(token=reader), 403, code="forbidden")
    assert WRITE in body["description"]
    assert emu.jobs() == []


def test_token_narrowed_to_read_cannot_create_403(api, emu, token):
    assert_api_error(api.create(token=token(scope=READ)), 403)


def test_read_only_client_can_read(api, emu, token):
    emu.add_client("reader", "reader-secret", (READ,))
    reader = token(client=("reader", "reader-secret"))
    job_id = api.create_id()
    assert api.status(job_id, token=reader).status_code == 303
    assert api.files(job_id, token=reader).status_code == 302
    assert api.http.get(api.jobs_url(), headers=api.bearer(reader)).status_code == 200


def test_read_only_client_cannot_cancel_or_delete_403(api, emu, token):
    emu.add_client("reader", "reader-secret", (READ,))
    reader = token(client=("reader", "reader-secret"))
    job_id = api.create_id()
    assert_api_error(api.http.delete(api.job_url(job_id), headers=api.bearer(reader)), 403)
    assert_api_error(api.http.delete(api.files_url(job_id), headers=api.bearer(reader)), 403)


def test_write_only_token_cannot_read_403(api, emu, token):
    job_id = api.create_id()
    writer = token(scope=WRITE)
    assert_api_error(api.status(job_id, token=writer), 403)
    assert_api_error(api.files(job_id, token=writer), 403)


@pytest.mark.parametrize("scopes", [(READ,), (WRITE,)])
def test_client_with_one_scope_gets_only_it(emu, http, scopes):
    emu.add_client("one", "one-secret", scopes)
    response = http.post(emu.token_url, data=GRANT, auth=("one", "one-secret"))
    assert response.json()["scope"].split() == list(scopes)
