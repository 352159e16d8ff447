"""Username/password sessions (api-protocol.md §3)."""

import requests

import cirrus_helpers as h


def test_login_response_fields(cirrus_server, admin_user):
    resp, http = h.post_login(cirrus_server.api_url, "admin", cirrus_server.admin_password, "/")
    assert resp.status_code == 200, h.describe(resp)
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert list(body) == ["loginresponse"]  # flat, not wrapped in an object name
    lr = body["loginresponse"]
    assert isinstance(lr["sessionkey"], str) and len(lr["sessionkey"]) >= 20
    assert lr["userid"] == admin_user["id"]
    assert h.is_uuid(lr["userid"])
    assert lr["type"] == "1"  # a string: root admin
    assert type(lr["timeout"]) is int and lr["timeout"] > 0
    assert lr["username"] == "admin"
    assert lr["account"] == "admin"
    assert h.is_uuid(lr["domainid"]) and lr["domainid"] == admin_user["domainid"]
    # Session cookie plus a sessionkey cookie equal to the body's sessionkey (§3.1)
    assert "JSESSIONID" in http.cookies, resp.headers.get("Set-Cookie")
    assert http.cookies.get("sessionkey") == lr["sessionkey"], resp.headers.get("Set-Cookie")


def test_session_call_with_sessionkey_and_cookie(cirrus_server, admin_user):
    s = h.login(cirrus_server.api_url, "admin", cirrus_server.admin_password)
    body = s.call("listUsers", id=admin_user["id"])
    assert body["count"] == 1
    assert [u["username"] for u in h.items(body, "user")] == ["admin"]
    # a second call in the same session works as well
    assert s.call("listUsers", id=admin_user["id"])["user"][0]["id"] == admin_user["id"]


def test_login_params_in_query_string_of_post(cirrus_server):
    """cloudmonkey puts the login parameters in the POST's query string."""
    resp = requests.post(cirrus_server.api_url, params={
        "command": "login", "username": "admin", "password": cirrus_server.admin_password,
        "domain": "/", "response": "json"}, timeout=h.HTTP_TIMEOUT)
    lr = h.expect_ok(resp, "login")
    assert lr["username"] == "admin" and lr["type"] == "1"


def test_session_without_sessionkey_param_is_401(cirrus_server, admin_user):
    s = h.login(cirrus_server.api_url, "admin", cirrus_server.admin_password)
    resp = s.http.get(cirrus_server.api_url, params={"command": "listUsers", "response": "json"},
                      timeout=h.HTTP_TIMEOUT)
    err = h.expect_error(resp, 401)
    assert err["errortext"] == h.ERR_SESSION
    # the failed check invalidated the session (§3.2)
    h.expect_error(s.get("listUsers", id=admin_user["id"]), 401)


def test_sessionkey_without_session_cookie_is_401(cirrus_server):
    s = h.login(cirrus_server.api_url, "admin", cirrus_server.admin_password)
    # same sessionkey parameter, no cookies: falls through to API-key checks
    resp = requests.get(cirrus_server.api_url, params={"command": "listUsers", "response": "json",
                                                       "sessionkey": s.sessionkey}, timeout=h.HTTP_TIMEOUT)
    err = h.expect_error(resp, 401)
    assert err["errortext"] == h.ERR_APIKEY


def test_wrong_sessionkey_is_401(cirrus_server):
    s = h.login(cirrus_server.api_url, "admin", cirrus_server.admin_password)
    resp = s.http.get(cirrus_server.api_url, params={"command": "listUsers", "response": "json",
                                                     "sessionkey": s.sessionkey[:-2] + "xx"},
                      timeout=h.HTTP_TIMEOUT)
    h.expect_error(resp, 401)


def test_logout_then_401(cirrus_server, admin_user):
    s = h.login(cirrus_server.api_url, "admin", cirrus_server.admin_password)
    assert s.call("listUsers", id=admin_user["id"])["count"] == 1
    cookies = s.http.cookies.get_dict()
    resp = s.logout()
    assert h.expect_ok(resp, "logout") == {"description": "success"}
    # the server forgot the session: replaying the old cookies and key fails
    replay = requests.get(cirrus_server.api_url, cookies=cookies, timeout=h.HTTP_TIMEOUT, params={
        "command": "listUsers", "response": "json", "sessionkey": s.sessionkey, "id": admin_user["id"]})
    h.expect_error(replay, 401)
    # and so does the client's own (cleared) cookie jar
    h.expect_error(s.get("listUsers", id=admin_user["id"]), 401)


def test_login_via_get_is_405(cirrus_server):
    resp = requests.get(cirrus_server.api_url, params={
        "command": "login", "username": "admin", "password": cirrus_server.admin_password,
        "domain": "/", "response": "json"}, timeout=h.HTTP_TIMEOUT)
    h.expect_error(resp, 405)
    assert "sessionkey" not in resp.cookies


def test_login_bad_password_is_531(cirrus_server):
    resp, http = h.post_login(cirrus_server.api_url, "admin", "not-the-password", "/")
    err = h.expect_error(resp, 531, "loginresponse")
    assert "sessionkey" not in err
    assert "sessionkey" not in http.cookies


def test_login_unknown_user_is_531(cirrus_server):
    resp, _ = h.post_login(cirrus_server.api_url, h.unique("nobody"), "whatever", "/")
    h.expect_error(resp, 531, "loginresponse")


def test_unauthenticated_call_is_401(cirrus_server):
    resp = requests.get(cirrus_server.api_url, params={"command": "listCapabilities", "response": "json"},
                        timeout=h.HTTP_TIMEOUT)
    err = h.expect_error(resp, 401)
    assert err["errortext"] == h.ERR_APIKEY
