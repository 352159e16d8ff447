"""Error statuses and envelopes (api-protocol.md §2.2, §6)."""

import pytest
import requests

import cirrus_helpers as h


def _send(api_url, params):
    return requests.get(api_url, params=params, timeout=h.HTTP_TIMEOUT)


def test_wrong_signature_is_401(admin_api):
    params = admin_api.signed_params("listUsers")
    params["signature"] = h.sign(params, admin_api.secret + "x")
    err = h.expect_error(_send(admin_api.api_url, params), 401, "listusersresponse")
    assert err["errortext"] == h.ERR_APIKEY


def test_tampered_parameter_is_401(admin_api):
    params = admin_api.signed_params("listUsers", username="admin")
    params["username"] = "root"  # signed for another value
    err = h.expect_error(_send(admin_api.api_url, params), 401)
    assert err["errortext"] == h.ERR_APIKEY


def test_missing_signature_is_401(admin_api):
    params = admin_api.signed_params("listUsers")
    del params["signature"]
    err = h.expect_error(_send(admin_api.api_url, params), 401)
    assert err["errortext"] == h.ERR_APIKEY


def test_unknown_apikey_is_401(admin_api):
    client = h.ApiKeyClient(admin_api.api_url, "no-such-api-key", admin_api.secret)
    err = h.expect_error(client.get("listUsers"), 401)
    assert err["errortext"] == h.ERR_APIKEY


def test_expired_signature_version_3_is_401(admin_api):
    resp = admin_api.get("listUsers", signature_version=3, expires=h.expires_in(-120))
    err = h.expect_error(resp, 401, "listusersresponse")
    assert err["errortext"] == h.ERR_APIKEY


def test_expires_ignored_without_signature_version(admin_api, admin_user):
    """Only signatureVersion=3 makes `expires` count (§2.2)."""
    body = admin_api.call("listUsers", id=admin_user["id"], expires=h.expires_in(-3600))
    assert body["count"] == 1


@pytest.mark.parametrize("expires_fmt", ["%Y-%m-%dT%H:%M:%S+0000", "%Y-%m-%dT%H:%M:%S+00:00",
                                         "%Y-%m-%dT%H:%M:%SZ"])
def test_expires_formats_accepted(admin_api, admin_user, expires_fmt):
    import time
    expires = time.strftime(expires_fmt, time.gmtime(time.time() + 300))
    body = admin_api.call("listUsers", id=admin_user["id"], signature_version=3, expires=expires)
    assert body["count"] == 1


def test_missing_required_parameter_is_431(admin_api):
    resp = admin_api.get("createDomain")
    err = h.expect_error(resp, 431, "createdomainresponse")
    text = "Unable to execute API command createdomain due to missing parameter name"
    assert err["errortext"] == text
    assert type(err["cserrorcode"]) is int
    assert isinstance(err.get("uuidList"), list)
    assert resp.headers.get("X-Description") == text


def test_missing_required_parameter_via_cs(admin_cs):
    from cs import CloudStackApiException
    with pytest.raises(CloudStackApiException) as exc:
        admin_cs.createUser(username=h.unique("u"))
    assert exc.value.response.status_code == 431
    assert exc.value.error["errorcode"] == 431
    assert exc.value.error["errortext"].startswith("Unable to execute API command createuser due to missing parameter ")


def test_unknown_command_signed_is_401(admin_api):
    err = h.expect_error(admin_api.get("fooBarBaz"), 401, "errorresponse")
    assert err["errortext"] == h.ERR_APIKEY


def test_command_name_is_case_sensitive(admin_api):
    """`listusers` is not `listUsers` (§1.3): unknown, so 401 on the API-key path."""
    h.expect_error(admin_api.get("listusers"), 401)


def test_unknown_command_with_session_is_432(admin_session):
    err = h.expect_error(admin_session.get("fooBarBaz"), 432, "errorresponse")
    assert "fooBarBaz" in err["errortext"] or "does not exist" in err["errortext"]


def test_missing_command_is_an_error(admin_api):
    params = admin_api.signed_params("listUsers")
    del params["command"]
    params["signature"] = h.sign(params, admin_api.secret)
    resp = _send(admin_api.api_url, params)
    assert resp.status_code in (401, 431, 432), h.describe(resp)


def test_normal_user_may_not_call_admin_api(admin_api):
    dom = h.create_domain(admin_api)
    _, user = h.create_account(admin_api, dom["id"], accounttype=0)
    me = h.client_for_user(admin_api, user["id"])
    assert me.call("listUsers")["count"] == 1  # the keys do work
    name = h.unique("nope")
    h.expect_error(me.get("createDomain", name=name), 401)
    # and nothing was created
    assert "domain" not in admin_api.call("listDomains", listall=True, name=name)


def test_unknown_job_id_is_431(admin_api):
    h.expect_error(admin_api.get("queryAsyncJobResult", jobid="00000000-0000-4000-8000-000000000000"), 431)


def test_invalid_uuid_value_is_431(admin_api):
    h.expect_error(admin_api.get("listUsers", id="not-a-uuid"), 431)


def test_error_via_cs_carries_envelope(admin_cs):
    from cs import CloudStackApiException
    with pytest.raises(CloudStackApiException) as exc:
        admin_cs.createDomain()
    assert exc.value.error["errorcode"] == 431
    assert exc.value.error["errortext"] == "Unable to execute API command createdomain due to missing parameter name"
