"""API keys and signed requests with the real clients (api-protocol.md §2, §8)."""

import pytest
import requests

import cirrus_helpers as h


@pytest.fixture(scope="module")
def plain_user(admin_api):
    """A fresh user account in ROOT for key tests (never the admin)."""
    account, user = h.create_account(admin_api, domainid=None, accounttype=0)
    return account, user


def test_register_then_get_user_keys(admin_api, plain_user):
    _, user = plain_user
    body = admin_api.call("registerUserKeys", id=user["id"])
    keys = body["userkeys"]
    assert isinstance(keys["apikey"], str) and len(keys["apikey"]) >= 20
    assert isinstance(keys["secretkey"], str) and len(keys["secretkey"]) >= 20
    assert keys["apikey"] != keys["secretkey"]
    got = admin_api.call("getUserKeys", id=user["id"])["userkeys"]
    assert got["apikey"] == keys["apikey"]
    assert got["secretkey"] == keys["secretkey"]
    # the keys work: the user sees itself
    me = h.ApiKeyClient(admin_api.api_url, keys["apikey"], keys["secretkey"])
    body = me.call("listUsers")
    assert [u["id"] for u in h.items(body, "user")] == [user["id"]]


def test_register_again_replaces_keys(admin_api, plain_user):
    _, user = plain_user
    old = h.register_keys(admin_api, user["id"])
    new = h.register_keys(admin_api, user["id"])
    assert new[0] != old[0] and new[1] != old[1]
    got = admin_api.call("getUserKeys", id=user["id"])["userkeys"]
    assert (got["apikey"], got["secretkey"]) == new
    h.expect_error(h.ApiKeyClient(admin_api.api_url, *old).get("listUsers"), 401)
    assert h.ApiKeyClient(admin_api.api_url, *new).call("listUsers")["count"] == 1


def test_admin_keys_match_get_user_keys(admin_api, admin_keys, admin_user):
    got = admin_api.call("getUserKeys", id=admin_user["id"])["userkeys"]
    assert (got["apikey"], got["secretkey"]) == admin_keys


def test_cs_signature_version_3(admin_cs, admin_user, monkeypatch):
    sent = []
    real_send = admin_cs.session.send

    def spy(prepped, **kwargs):
        sent.append(prepped.url)
        return real_send(prepped, **kwargs)

    monkeypatch.setattr(admin_cs.session, "send", spy)
    body = admin_cs.listUsers(username="admin", listall=True)
    assert len(sent) == 1
    assert "signatureVersion=3" in sent[0] and "expires=" in sent[0]
    users = [u for u in body["user"] if u["id"] == admin_user["id"]]
    assert len(users) == 1
    assert users[0]["username"] == "admin"
    assert users[0]["account"] == "admin"
    assert users[0]["accounttype"] == 1


def test_cs_post_form_body(cirrus_server, admin_keys, admin_user):
    from cs import CloudStack
    client = CloudStack(endpoint=cirrus_server.api_url, key=admin_keys[0], secret=admin_keys[1], method="post")
    body = client.listUsers(id=admin_user["id"])
    assert body["count"] == 1 and body["user"][0]["username"] == "admin"


def test_plain_signature_without_version(admin_api, admin_user):
    """libcloud style: apiKey + signature only, no signatureVersion/expires."""
    params = admin_api.signed_params("listUsers", id=admin_user["id"])
    assert "signatureVersion" not in params and "expires" not in params
    resp = requests.get(admin_api.api_url, params=params, timeout=h.HTTP_TIMEOUT)
    body = h.expect_ok(resp, "listUsers")
    assert body["count"] == 1
    assert body["user"][0]["id"] == admin_user["id"]
    assert body["user"][0]["username"] == "admin"


def test_signature_version_3_by_hand(admin_api, admin_user):
    body = admin_api.call("listUsers", id=admin_user["id"], signature_version=3, expires=h.expires_in(300))
    assert body["user"][0]["id"] == admin_user["id"]


def test_signature_names_case_insensitive(admin_api, admin_user):
    """`apikey` in lower case (the developer guide's spelling) works too (§1.3)."""
    body = admin_api.call("listUsers", id=admin_user["id"], apikey_name="apikey")
    assert body["user"][0]["username"] == "admin"


def test_signed_post_form_body_by_hand(admin_api, admin_user):
    body = h.expect_ok(admin_api.post("listUsers", id=admin_user["id"]), "listUsers")
    assert body["user"][0]["id"] == admin_user["id"]


def test_special_characters_in_values(admin_api):
    """Values needing escaping (space, : / + = & ' ( ) ! é) sign and round-trip."""
    dom = h.create_domain(admin_api)
    account, user = h.create_account(admin_api, dom["id"])
    first = "Zoë O'Neil (a+b=c/d:e&f!)"
    body = admin_api.call("updateUser", id=user["id"], firstname=first)
    assert body["user"]["firstname"] == first
    assert admin_api.call("listUsers", id=user["id"])["user"][0]["firstname"] == first


def test_libcloud_sync_request(libcloud_driver, admin_user):
    body = libcloud_driver._sync_request("listUsers", params={"username": "admin", "listall": True})
    users = [u for u in body["user"] if u["id"] == admin_user["id"]]
    assert len(users) == 1 and users[0]["username"] == "admin"


def test_libcloud_connection_request(libcloud_driver, admin_user):
    resp = libcloud_driver.connection.request("/client/api", params={"command": "listUsers",
                                                                     "id": admin_user["id"]})
    assert resp.status == 200
    assert list(resp.object) == ["listusersresponse"]
    assert resp.object["listusersresponse"]["user"][0]["username"] == "admin"


def test_libcloud_wrong_secret_is_invalid_creds(cirrus_server, admin_keys):
    from libcloud.compute.providers import get_driver
    from libcloud.compute.types import InvalidCredsError, Provider
    drv = get_driver(Provider.CLOUDSTACK)(admin_keys[0], "wrong-secret", host="127.0.0.1",
                                          port=cirrus_server.port, path="/client/api", secure=False)
    with pytest.raises(InvalidCredsError):
        drv._sync_request("listUsers")


def test_libcloud_sends_python_booleans(libcloud_driver, admin_user):
    """libcloud sends `True`/`False`; booleans parse case-insensitively (§1.3)."""
    body = libcloud_driver._sync_request("listUsers", params={"id": admin_user["id"], "listall": True})
    assert body["count"] == 1
