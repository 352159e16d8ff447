"""Domains, accounts and users: create, list, update, state changes, delete.

Async commands are polled both ways: by hand with queryAsyncJobResult
(checking the job envelope, api-protocol.md §5.2) and with cs's
fetch_result=True."""

import pytest

import cirrus_helpers as h


def _list_domains(client, **params):
    return h.items(client.call("listDomains", listall=True, **params), "domain")


def _account_names_in(client, domainid):
    return {a["name"] for a in h.items(client.call("listAccounts", domainid=domainid), "account")}


def _check_job_envelope(job, jobid):
    assert job["jobid"] == jobid
    assert job["jobstatus"] == 1
    assert job["jobresultcode"] == 0
    assert job["jobresulttype"] == "object"
    assert type(job["jobprocstatus"]) is int
    assert h.DATE_RE.match(job["created"]), job
    assert h.DATE_RE.match(job["completed"]), job
    assert isinstance(job["cmd"], str) and job["cmd"]


# --------------------------------------------------------------------------
# Domains


def test_domain_tree(admin_api, admin_session):
    root = _list_domains(admin_api, name="ROOT")
    assert len(root) == 1 and root[0]["path"] == "ROOT" and root[0]["level"] == 0

    pname, cname = h.unique("parent"), h.unique("child")
    parent = admin_api.call("createDomain", name=pname)["domain"]
    assert h.is_uuid(parent["id"])
    assert parent["name"] == pname
    assert parent["path"] == f"ROOT/{pname}"
    assert parent["level"] == 1
    assert parent["parentdomainid"] == root[0]["id"]
    assert parent["parentdomainname"] == "ROOT"
    assert parent["haschild"] is False
    assert parent["state"] == "Active"
    assert h.DATE_RE.match(parent["created"]), parent

    child = admin_api.call("createDomain", name=cname, parentdomainid=parent["id"])["domain"]
    assert child["path"] == f"ROOT/{pname}/{cname}"
    assert child["level"] == 2
    assert child["parentdomainid"] == parent["id"]
    assert child["parentdomainname"] == pname

    # listDomains by id and by name
    body = admin_api.call("listDomains", id=parent["id"])
    assert body["count"] == 1
    assert body["domain"][0]["haschild"] is True
    found = _list_domains(admin_session, name=cname)
    assert [d["id"] for d in found] == [child["id"]]
    assert found[0]["path"] == f"ROOT/{pname}/{cname}"

    # listDomainChildren
    body = admin_api.call("listDomainChildren", id=parent["id"])
    assert body["count"] == 1
    assert [d["id"] for d in body["domain"]] == [child["id"]]
    assert admin_api.call("listDomainChildren", id=child["id"]) == {}

    # rename the parent: name and the paths below it change
    newname = h.unique("renamed")
    upd = admin_api.call("updateDomain", id=parent["id"], name=newname)["domain"]
    assert upd["id"] == parent["id"]
    assert upd["name"] == newname
    assert upd["path"] == f"ROOT/{newname}"
    again = admin_api.call("listDomains", id=child["id"])["domain"][0]
    assert again["path"] == f"ROOT/{newname}/{cname}"
    assert again["parentdomainname"] == newname


def test_duplicate_domain_name_under_same_parent_is_431(admin_api):
    parent = h.create_domain(admin_api)
    name = h.unique("dup")
    admin_api.call("createDomain", name=name, parentdomainid=parent["id"])
    h.expect_error(admin_api.get("createDomain", name=name, parentdomainid=parent["id"]), 431)


def test_delete_domain_with_cleanup(admin_api):
    parent = h.create_domain(admin_api)
    child = h.create_domain(admin_api, parent=parent["id"])
    account, user = h.create_account(admin_api, child["id"])

    jobid = admin_api.submit("deleteDomain", id=parent["id"], cleanup=True)
    job = admin_api.wait_job(jobid)
    _check_job_envelope(job, jobid)
    assert job["jobresult"]["success"] is True

    ids = {d["id"] for d in _list_domains(admin_api)}
    assert parent["id"] not in ids and child["id"] not in ids
    accounts = h.items(admin_api.call("listAccounts", listall=True, name=account["name"]), "account")
    assert accounts == []
    users = h.items(admin_api.call("listUsers", listall=True, username=user["username"]), "user")
    assert users == []


def test_delete_non_empty_domain_without_cleanup_fails(admin_api):
    dom = h.create_domain(admin_api)
    h.create_account(admin_api, dom["id"])
    resp = admin_api.get("deleteDomain", id=dom["id"], cleanup=False)
    if resp.status_code == 200:  # failed inside the job (CloudStack's way)
        job = admin_api.wait_job(h.expect_ok(resp, "deleteDomain")["jobid"])
        assert job["jobstatus"] == 2, job
        assert job["jobresultcode"] != 0
        assert job["jobresulttype"] == "object"
        assert job["jobresult"]["errorcode"] == job["jobresultcode"]
        assert isinstance(job["jobresult"]["errortext"], str) and job["jobresult"]["errortext"]
    else:  # refused up front
        h.expect_failure(resp)
    assert [d["id"] for d in _list_domains(admin_api, id=dom["id"])] == [dom["id"]]


# --------------------------------------------------------------------------
# Accounts


def test_account_lifecycle(admin_api, admin_cs):
    dom = h.create_domain(admin_api)
    name = h.unique("acct")
    body = admin_api.call("createAccount", account=name, accounttype=0, domainid=dom["id"],
                          username=name + "-u", password=h.USER_PASSWORD, email="u@example.com",
                          firstname="Ann", lastname="User")
    acct = body["account"]
    assert h.is_uuid(acct["id"])
    assert acct["name"] == name
    assert acct["accounttype"] == 0
    assert acct["domainid"] == dom["id"]
    assert acct["domain"] == dom["name"]
    assert acct["state"] == "enabled"
    assert acct["roletype"] == "User"
    assert [u["username"] for u in acct["user"]] == [name + "-u"]
    user = acct["user"][0]
    assert user["firstname"] == "Ann" and user["email"] == "u@example.com"
    assert user["state"] == "enabled" and user["accountid"] == acct["id"]
    assert "password" not in user

    dname = h.unique("dadmin")
    dadm = admin_api.call("createAccount", account=dname, accounttype=2, domainid=dom["id"],
                          username=dname + "-u", password=h.USER_PASSWORD, email="d@example.com",
                          firstname="Dom", lastname="Admin")["account"]
    assert dadm["accounttype"] == 2
    assert dadm["roletype"] == "DomainAdmin"

    # listAccounts
    body = admin_api.call("listAccounts", domainid=dom["id"])
    assert body["count"] == 2
    assert {a["name"] for a in body["account"]} == {name, dname}
    body = admin_api.call("listAccounts", id=acct["id"])
    assert body["count"] == 1 and body["account"][0]["name"] == name

    # updateAccount newname
    newname = h.unique("acct-new")
    upd = admin_api.call("updateAccount", id=acct["id"], newname=newname)["account"]
    assert upd["id"] == acct["id"] and upd["name"] == newname
    assert _account_names_in(admin_api, dom["id"]) == {newname, dname}

    # the account's user signs requests; disabled/locked accounts cannot
    me = h.client_for_user(admin_api, user["id"])
    assert me.call("listAccounts")["account"][0]["id"] == acct["id"]

    # disableAccount (async, polled by hand)
    jobid = admin_api.submit("disableAccount", id=acct["id"], lock=False)
    job = admin_api.wait_job(jobid)
    _check_job_envelope(job, jobid)
    assert job["jobresult"]["account"]["id"] == acct["id"]
    assert job["jobresult"]["account"]["state"] == "disabled"
    assert admin_api.call("listAccounts", id=acct["id"])["account"][0]["state"] == "disabled"
    h.expect_error(me.get("listAccounts"), 401)

    # enableAccount (sync)
    en = admin_api.call("enableAccount", id=acct["id"])["account"]
    assert en["state"] == "enabled"
    assert me.call("listAccounts")["count"] == 1

    # lockAccount (sync, by name + domain)
    lk = admin_api.call("lockAccount", account=newname, domainid=dom["id"])["account"]
    assert lk["id"] == acct["id"] and lk["state"] == "locked"
    h.expect_error(me.get("listAccounts"), 401)
    assert admin_api.call("enableAccount", account=newname, domainid=dom["id"])["account"]["state"] == "enabled"

    # disableAccount lock=true locks
    job = admin_api.run_async("disableAccount", account=newname, domainid=dom["id"], lock=True)
    assert job["jobresult"]["account"]["state"] == "locked"
    admin_api.call("enableAccount", id=acct["id"])

    # deleteAccount (async, polled by cs)
    result = admin_cs.deleteAccount(id=acct["id"], fetch_result=True)
    assert result["success"] is True
    assert _account_names_in(admin_api, dom["id"]) == {dname}
    assert admin_api.call("listAccounts", listall=True, name=newname) == {}
    h.expect_error(me.get("listAccounts"), 401)


def test_create_account_requires_user_fields(admin_api):
    resp = admin_api.get("createAccount", accounttype=0, username=h.unique("u"), password="x",
                         firstname="A", lastname="B")
    err = h.expect_error(resp, 431, "createaccountresponse")
    assert err["errortext"] == "Unable to execute API command createaccount due to missing parameter email"


# --------------------------------------------------------------------------
# Users


def test_user_lifecycle(admin_api, admin_cs):
    dom = h.create_domain(admin_api)
    acct, first_user = h.create_account(admin_api, dom["id"])

    uname = h.unique("user")
    user = admin_api.call("createUser", account=acct["name"], domainid=dom["id"], username=uname,
                          password=h.USER_PASSWORD, email="x@example.com", firstname="Xa",
                          lastname="Yb")["user"]
    assert h.is_uuid(user["id"])
    assert user["username"] == uname
    assert user["account"] == acct["name"]
    assert user["accountid"] == acct["id"]
    assert user["domainid"] == dom["id"]
    assert user["state"] == "enabled"
    assert user["accounttype"] == 0
    assert "password" not in user

    # updateUser
    upd = admin_api.call("updateUser", id=user["id"], firstname="Renamed", email="new@example.com")["user"]
    assert upd["firstname"] == "Renamed" and upd["email"] == "new@example.com" and upd["lastname"] == "Yb"

    # listUsers
    body = admin_api.call("listUsers", id=user["id"])
    assert body["count"] == 1 and body["user"][0]["firstname"] == "Renamed"
    body = admin_api.call("listUsers", account=acct["name"], domainid=dom["id"])
    assert body["count"] == 2
    assert {u["id"] for u in body["user"]} == {first_user["id"], user["id"]}

    # the new user can log in with its password in its domain
    s = h.login(admin_api.api_url, uname, h.USER_PASSWORD, "/" + dom["name"])
    assert s.login["userid"] == user["id"] and s.login["type"] == "0"

    # disableUser (async, polled by cs)
    result = admin_cs.disableUser(id=user["id"], fetch_result=True)
    assert result["user"]["id"] == user["id"]
    assert result["user"]["state"] == "disabled"
    resp, _ = h.post_login(admin_api.api_url, uname, h.USER_PASSWORD, "/" + dom["name"])
    h.expect_error(resp, 531, "loginresponse")

    # enableUser
    assert admin_api.call("enableUser", id=user["id"])["user"]["state"] == "enabled"

    # lockUser
    assert admin_api.call("lockUser", id=user["id"])["user"]["state"] == "locked"
    assert admin_api.call("listUsers", id=user["id"])["user"][0]["state"] == "locked"
    assert admin_api.call("enableUser", id=user["id"])["user"]["state"] == "enabled"

    # disableUser again, polled by hand
    jobid = admin_api.submit("disableUser", id=user["id"])
    job = admin_api.wait_job(jobid)
    _check_job_envelope(job, jobid)
    assert job["jobresult"]["user"]["state"] == "disabled"

    # deleteUser
    body = admin_api.call("deleteUser", id=user["id"])
    assert body["success"] is True
    body = admin_api.call("listUsers", account=acct["name"], domainid=dom["id"])
    assert [u["id"] for u in body["user"]] == [first_user["id"]]


def test_duplicate_username_in_domain_is_rejected(admin_api):
    dom = h.create_domain(admin_api)
    acct, user = h.create_account(admin_api, dom["id"])
    resp = admin_api.get("createUser", account=acct["name"], domainid=dom["id"], username=user["username"],
                         password=h.USER_PASSWORD, email="x@example.com", firstname="A", lastname="B")
    h.expect_failure(resp)


@pytest.mark.parametrize("accounttype,roletype", [(0, "User"), (2, "DomainAdmin")])
def test_login_type_matches_account_type(admin_api, accounttype, roletype):
    dom = h.create_domain(admin_api)
    acct, user = h.create_account(admin_api, dom["id"], accounttype=accounttype)
    assert acct["roletype"] == roletype
    s = h.login(admin_api.api_url, user["username"], h.USER_PASSWORD, f"/{dom['name']}/")
    assert s.login["type"] == str(accounttype)
    assert s.login["account"] == acct["name"]
    assert s.login["domainid"] == dom["id"]
