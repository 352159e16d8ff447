"""List envelopes, pagination, listApis, listCapabilities and XML output
(api-protocol.md §4, §7)."""

import xml.etree.ElementTree as ET

import pytest
import requests

import cirrus_helpers as h

N_ACCOUNTS = 5


@pytest.fixture(scope="module")
def paged(admin_api):
    dom = h.create_domain(admin_api, h.unique("paging"))
    names = set()
    for i in range(N_ACCOUNTS):
        acct, _ = h.create_account(admin_api, dom["id"], 0, h.unique(f"pg{i}"))
        names.add(acct["name"])
    return dom, names


def _names(body):
    return [a["name"] for a in h.items(body, "account")]


def test_unpaged_list_returns_all(admin_api, paged):
    dom, names = paged
    body = admin_api.call("listAccounts", domainid=dom["id"])
    assert body["count"] == N_ACCOUNTS
    assert set(_names(body)) == names and len(body["account"]) == N_ACCOUNTS


def test_pages_slice_the_list(admin_api, paged):
    dom, names = paged
    seen = []
    for page, expect in [(1, 2), (2, 2), (3, 1)]:
        body = admin_api.call("listAccounts", domainid=dom["id"], page=page, pagesize=2)
        assert body["count"] == N_ACCOUNTS, body  # total, not the page length
        assert len(body["account"]) == expect, body
        seen += _names(body)
    assert len(seen) == N_ACCOUNTS and set(seen) == names  # disjoint pages covering all


def test_page_past_the_end(admin_api, paged):
    dom, _ = paged
    body = admin_api.call("listAccounts", domainid=dom["id"], page=4, pagesize=2)
    assert body == {"count": N_ACCOUNTS}


def test_pages_are_stable(admin_api, paged):
    dom, _ = paged
    first = _names(admin_api.call("listAccounts", domainid=dom["id"], page=2, pagesize=2))
    again = _names(admin_api.call("listAccounts", domainid=dom["id"], page=2, pagesize=2))
    assert first == again


def test_cs_fetch_list(admin_cs, paged):
    dom, names = paged
    accounts = admin_cs.listAccounts(domainid=dom["id"], fetch_list=True)
    assert {a["name"] for a in accounts} == names


def test_page_without_pagesize_is_431(admin_api, paged):
    dom, _ = paged
    err = h.expect_error(admin_api.get("listAccounts", domainid=dom["id"], page=1), 431, "listaccountsresponse")
    assert "pagesize" in err["errortext"]


def test_pagesize_without_page_is_431(admin_api, paged):
    dom, _ = paged
    err = h.expect_error(admin_api.get("listAccounts", domainid=dom["id"], pagesize=2), 431)
    assert "page" in err["errortext"]


def test_keyword_filter(admin_api, paged):
    dom, names = paged
    one = sorted(names)[0]
    body = admin_api.call("listAccounts", domainid=dom["id"], keyword=one)
    assert _names(body) == [one] and body["count"] == 1


def test_empty_list_is_empty_object(admin_api):
    assert admin_api.call("listAccounts", listall=True, name=h.unique("nothing")) == {}


# --------------------------------------------------------------------------
# listApis

PARAM_TYPES = {"string", "uuid", "boolean", "integer", "long", "short", "float", "double", "date",
               "tzdate", "list", "map", "object"}


def test_list_apis_shape(admin_api):
    body = admin_api.call("listApis")
    apis = body["api"]
    assert body["count"] == len(apis) > 20
    for api in apis:
        assert isinstance(api["name"], str) and api["name"], api
        assert type(api["isasync"]) is bool, api
        assert isinstance(api["params"], list), api
        assert isinstance(api["response"], list), api
        for p in api["params"]:
            assert isinstance(p["name"], str) and p["name"], (api["name"], p)
            assert type(p["length"]) is int, (api["name"], p)
            assert type(p["required"]) is bool, (api["name"], p)
            assert p["type"] in PARAM_TYPES, (api["name"], p)
    by_name = {a["name"]: a for a in apis}
    assert len(by_name) == len(apis)
    for name in ["createDomain", "listDomains", "createAccount", "deleteAccount", "disableAccount",
                 "listUsers", "registerUserKeys", "queryAsyncJobResult", "listApis"]:
        assert name in by_name, name
    assert by_name["createDomain"]["isasync"] is False
    assert by_name["deleteAccount"]["isasync"] is True
    assert by_name["disableUser"]["isasync"] is True
    params = {p["name"]: p for p in by_name["createDomain"]["params"]}
    assert params["name"]["required"] is True
    assert params["parentdomainid"]["required"] is False
    assert params["parentdomainid"]["type"] == "uuid"


def test_list_apis_by_name(admin_api):
    body = admin_api.call("listApis", name="deleteAccount")
    assert body["count"] == 1
    api = body["api"][0]
    assert api["name"] == "deleteAccount" and api["isasync"] is True
    params = {p["name"]: p for p in api["params"]}
    assert params["id"]["required"] is True and params["id"]["type"] == "uuid"


# --------------------------------------------------------------------------
# listCapabilities


def test_list_capabilities(admin_api):
    cap = admin_api.call("listCapabilities")["capability"]
    assert isinstance(cap["cloudstackversion"], str) and cap["cloudstackversion"]
    assert type(cap["securitygroupsenabled"]) is bool
    assert type(cap["dynamicrolesenabled"]) is bool


# --------------------------------------------------------------------------
# XML (the default when response != json)


def test_xml_is_default(admin_api, admin_user):
    params = admin_api.signed_params("listUsers", json=False, id=admin_user["id"])
    assert "response" not in params
    resp = requests.get(admin_api.api_url, params=params, timeout=h.HTTP_TIMEOUT)
    assert resp.status_code == 200, h.describe(resp)
    assert resp.headers["Content-Type"].startswith("text/xml"), resp.headers["Content-Type"]
    assert resp.text.startswith("<?xml"), resp.text[:200]
    root = ET.fromstring(resp.content)
    assert root.tag == "listusersresponse"
    assert root.findtext("count") == "1"
    users = root.findall("user")
    assert len(users) == 1
    assert users[0].findtext("id") == admin_user["id"]
    assert users[0].findtext("username") == "admin"


def test_xml_error(admin_api):
    params = admin_api.signed_params("createDomain", json=False)
    resp = requests.get(admin_api.api_url, params=params, timeout=h.HTTP_TIMEOUT)
    assert resp.status_code == 431
    assert resp.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(resp.content)
    assert root.tag == "createdomainresponse"
    assert root.findtext("errorcode") == "431"
    assert root.findtext("errortext") == "Unable to execute API command createdomain due to missing parameter name"


def test_json_content_type(admin_api, admin_user):
    resp = admin_api.get("listUsers", id=admin_user["id"])
    assert resp.headers["Content-Type"].lower().replace(" ", "") == "application/json;charset=utf-8"
