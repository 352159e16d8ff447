"""Tenant isolation: what normal users and domain admins can see and change.

Layout (created once for the module by the root admin):

    ROOT
    ├── tenA            account A (user), account DA (domain admin of tenA)
    │   └── subA        account C (user)       <- DA's sub-subdomain
    └── tenB            account B (user)

Every tenant signs its own requests with keys the admin registered for it."""

from types import SimpleNamespace

import pytest

import cirrus_helpers as h


@pytest.fixture(scope="module")
def t(admin_api):
    ten_a = h.create_domain(admin_api, h.unique("tenA"))
    sub_a = h.create_domain(admin_api, h.unique("subA"), parent=ten_a["id"])
    ten_b = h.create_domain(admin_api, h.unique("tenB"))
    a_acct, a_user = h.create_account(admin_api, ten_a["id"], 0, h.unique("A"))
    b_acct, b_user = h.create_account(admin_api, ten_b["id"], 0, h.unique("B"))
    c_acct, c_user = h.create_account(admin_api, sub_a["id"], 0, h.unique("C"))
    da_acct, da_user = h.create_account(admin_api, ten_a["id"], 2, h.unique("DA"))
    return SimpleNamespace(
        ten_a=ten_a, sub_a=sub_a, ten_b=ten_b,
        a_acct=a_acct, a_user=a_user, b_acct=b_acct, b_user=b_user,
        c_acct=c_acct, c_user=c_user, da_acct=da_acct, da_user=da_user,
        A=h.client_for_user(admin_api, a_user["id"]),
        B=h.client_for_user(admin_api, b_user["id"]),
        DA=h.client_for_user(admin_api, da_user["id"]),
    )


def _ids(body, key):
    return {x["id"] for x in h.items(body, key)}


# --------------------------------------------------------------------------
# normal users


@pytest.mark.parametrize("listall", [None, True])
def test_user_sees_only_own_account(t, listall):
    body = t.A.call("listAccounts", listall=listall)
    assert body["count"] == 1
    assert _ids(body, "account") == {t.a_acct["id"]}
    assert body["account"][0]["name"] == t.a_acct["name"]

    body = t.B.call("listAccounts", listall=listall)
    assert _ids(body, "account") == {t.b_acct["id"]}


@pytest.mark.parametrize("listall", [None, True])
def test_user_sees_only_own_users(t, listall):
    body = t.A.call("listUsers", listall=listall)
    assert body["count"] == 1
    assert _ids(body, "user") == {t.a_user["id"]}
    body = t.B.call("listUsers", listall=listall)
    assert _ids(body, "user") == {t.b_user["id"]}


def test_user_cannot_see_other_user_by_id(t):
    assert t.A.call("listUsers", id=t.b_user["id"]) == {}
    assert t.A.call("listUsers", id=t.b_user["id"], listall=True) == {}
    # but can see itself by id
    assert _ids(t.A.call("listUsers", id=t.a_user["id"]), "user") == {t.a_user["id"]}


def test_user_cannot_filter_into_other_domain(t):
    resp = t.A.get("listAccounts", domainid=t.ten_b["id"])
    if resp.status_code == 200:
        assert h.expect_ok(resp, "listAccounts") == {}
    else:
        h.expect_failure(resp)


def test_user_cannot_update_other_user(t, admin_api):
    resp = t.A.get("updateUser", id=t.b_user["id"], firstname="Hacked")
    h.expect_failure(resp)
    assert admin_api.call("listUsers", id=t.b_user["id"])["user"][0]["firstname"] == "First"


def test_user_can_update_self(t):
    body = t.A.call("updateUser", id=t.a_user["id"], lastname="Changed")
    assert body["user"]["id"] == t.a_user["id"] and body["user"]["lastname"] == "Changed"


def test_user_cannot_read_other_users_keys(t):
    h.expect_failure(t.A.get("getUserKeys", id=t.b_user["id"]))
    h.expect_failure(t.A.get("registerUserKeys", id=t.b_user["id"]))


def test_user_cannot_disable_other_account(t, admin_api):
    h.expect_failure(t.A.get("disableAccount", id=t.b_acct["id"], lock=False))
    assert admin_api.call("listAccounts", id=t.b_acct["id"])["account"][0]["state"] == "enabled"


def test_user_list_apis_is_role_filtered(t):
    body = t.A.call("listApis")
    names = {a["name"] for a in body["api"]}
    assert body["count"] == len(body["api"])
    assert {"listUsers", "listAccounts", "queryAsyncJobResult"} <= names
    assert "createDomain" not in names and "createAccount" not in names


def test_user_session_login_in_subdomain(t, api_url):
    s = h.login(api_url, t.a_user["username"], h.USER_PASSWORD, f"/{t.ten_a['name']}")
    assert s.login["type"] == "0"
    assert s.login["userid"] == t.a_user["id"]
    assert s.login["domainid"] == t.ten_a["id"]
    assert _ids(s.call("listUsers", listall=True), "user") == {t.a_user["id"]}
    # same user name, wrong domain: not found there
    resp, _ = h.post_login(api_url, t.a_user["username"], h.USER_PASSWORD, "/")
    h.expect_error(resp, 531, "loginresponse")


def test_user_login_with_domainid(t, api_url):
    import requests
    resp = requests.post(api_url, data={"command": "login", "username": t.c_user["username"],
                                        "password": h.USER_PASSWORD, "domainid": t.sub_a["id"],
                                        "response": "json"}, timeout=h.HTTP_TIMEOUT)
    lr = h.expect_ok(resp, "login")
    assert lr["userid"] == t.c_user["id"] and lr["type"] == "0"


# --------------------------------------------------------------------------
# domain admin


def test_domain_admin_sees_its_subtree(t):
    body = t.DA.call("listAccounts", listall=True)
    seen = _ids(body, "account")
    assert {t.a_acct["id"], t.c_acct["id"], t.da_acct["id"]} <= seen
    assert t.b_acct["id"] not in seen
    assert {a["domainid"] for a in body["account"]} <= {t.ten_a["id"], t.sub_a["id"]}
    assert body["count"] == len(body["account"])


def test_domain_admin_sees_users_in_subtree(t):
    seen = _ids(t.DA.call("listUsers", listall=True), "user")
    assert {t.a_user["id"], t.c_user["id"], t.da_user["id"]} <= seen
    assert t.b_user["id"] not in seen
    assert t.DA.call("listUsers", id=t.b_user["id"]) == {}


def test_domain_admin_sees_domains_in_subtree(t):
    body = t.DA.call("listDomains", listall=True)
    seen = _ids(body, "domain")
    assert seen == {t.ten_a["id"], t.sub_a["id"]}
    paths = {d["path"] for d in body["domain"]}
    assert paths == {t.ten_a["path"], t.sub_a["path"]}
    assert t.sub_a["path"] == f"ROOT/{t.ten_a['name']}/{t.sub_a['name']}"


def test_domain_admin_sub_subdomain_by_domainid(t):
    body = t.DA.call("listAccounts", domainid=t.sub_a["id"])
    assert _ids(body, "account") == {t.c_acct["id"]}


def test_domain_admin_cannot_list_outside(t):
    resp = t.DA.get("listAccounts", domainid=t.ten_b["id"])
    if resp.status_code == 200:
        assert h.expect_ok(resp, "listAccounts") == {}
    else:
        h.expect_failure(resp)


def test_domain_admin_cannot_update_account_outside(t, admin_api):
    resp = t.DA.get("updateAccount", id=t.b_acct["id"], newname=h.unique("stolen"))
    h.expect_failure(resp)
    assert admin_api.call("listAccounts", id=t.b_acct["id"])["account"][0]["name"] == t.b_acct["name"]


def test_domain_admin_can_update_account_inside(t):
    newname = h.unique("C-renamed")
    body = t.DA.call("updateAccount", id=t.c_acct["id"], newname=newname)
    assert body["account"]["id"] == t.c_acct["id"] and body["account"]["name"] == newname


def test_domain_admin_cannot_create_domain_outside(t, admin_api):
    name = h.unique("evil")
    resp = t.DA.get("createDomain", name=name, parentdomainid=t.ten_b["id"])
    h.expect_failure(resp)
    assert admin_api.call("listDomains", listall=True, name=name) == {}
