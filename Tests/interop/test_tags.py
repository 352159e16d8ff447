"""Resource tags through the `cs` library: createTags/deleteTags (async, tags
as a list of key/value dicts, which cs sends as tags[N].key/tags[N].value)
and listTags, on the resource types that exist without a zone (Account,
User), plus the errors clients see for bad requests."""

import pytest
from cs import CloudStack, CloudStackApiException

import cirrus_helpers as h


def _user_cs(cirrus_server, admin_api, userid):
    apikey, secret = h.register_keys(admin_api, userid)
    return CloudStack(endpoint=cirrus_server.api_url, key=apikey, secret=secret,
                      timeout=30, poll_interval=0.2, job_timeout=int(h.JOB_TIMEOUT))


def _tags(client, **params):
    return client.listTags(**params).get("tag", [])


def test_tags_on_an_account_with_cs(cirrus_server, admin_api, admin_cs):
    account, user = h.create_account(admin_api, None)
    cs = _user_cs(cirrus_server, admin_api, user["id"])

    # cs polls the job and hands back its jobresult.
    result = cs.createTags(resourcetype="Account", resourceids=account["id"],
                           tags=[{"key": "env", "value": "prod"}, {"key": "team", "value": "blue"}],
                           fetch_result=True)
    assert result["success"] is True, result

    tags = _tags(cs)
    assert {(t["key"], t["value"]) for t in tags} == {("env", "prod"), ("team", "blue")}
    for t in tags:
        assert t["resourcetype"] == "Account"
        assert t["resourceid"] == account["id"]
        assert t["account"] == account["name"]
        assert t["domainid"] == account["domainid"]
        assert t["domain"] == "ROOT"

    assert [t["value"] for t in _tags(cs, key="team")] == ["blue"]
    # The admin sees them with listall, not in its own scope.
    assert all(t["resourceid"] != account["id"] for t in _tags(admin_cs))
    assert len(_tags(admin_cs, listall=True, resourceid=account["id"])) == 2

    # deleteTags by key, then everything.
    result = cs.deleteTags(resourcetype="Account", resourceids=account["id"], tags=[{"key": "env"}], fetch_result=True)
    assert result["success"] is True, result
    assert [t["key"] for t in _tags(cs)] == ["team"]
    cs.deleteTags(resourcetype="Account", resourceids=account["id"], fetch_result=True)
    assert _tags(cs) == []


def test_tags_on_a_user_and_isolation(cirrus_server, admin_api):
    account_a, user_a = h.create_account(admin_api, None)
    account_b, user_b = h.create_account(admin_api, None)
    a = _user_cs(cirrus_server, admin_api, user_a["id"])
    b = _user_cs(cirrus_server, admin_api, user_b["id"])

    a.createTags(resourcetype="user", resourceids=user_a["id"], tags=[{"key": "role", "value": "dev"}],
                 customer="acme", fetch_result=True)
    tags = _tags(a, resourcetype="User")
    assert len(tags) == 1 and tags[0]["customer"] == "acme" and tags[0]["resourcetype"] == "User"

    # Another tenant neither sees nor touches them (531).
    assert _tags(b, listall=True) == []
    with pytest.raises(CloudStackApiException) as err:
        b.createTags(resourcetype="User", resourceids=user_a["id"], tags=[{"key": "k", "value": "v"}])
    assert err.value.error["errorcode"] == 531
    with pytest.raises(CloudStackApiException) as err:
        b.deleteTags(resourcetype="User", resourceids=user_a["id"])
    assert err.value.error["errorcode"] == 531
    assert len(_tags(a)) == 1


def test_bad_tag_requests(cirrus_server, admin_api, admin_cs):
    account, _ = h.create_account(admin_api, None)

    def error(**params):
        with pytest.raises(CloudStackApiException) as err:
            admin_cs.createTags(**params)
        return err.value.error

    e = error(resourcetype="Gadget", resourceids=account["id"], tags=[{"key": "k", "value": "v"}])
    assert e["errorcode"] == 431 and e["errortext"] == "Invalid resource type Gadget"
    e = error(resourcetype="Zone", resourceids=account["id"], tags=[{"key": "k", "value": "v"}])
    assert e["errorcode"] == 431 and e["errortext"] == "The resource type Zone doesn't support resource tags"
    missing = "9a1e2a4c-0000-4000-8000-000000000000"
    e = error(resourcetype="Account", resourceids=missing, tags=[{"key": "k", "value": "v"}])
    assert e["errorcode"] == 431 and e["errortext"] == f"Unable to find resource by uuid {missing} and type Account"
    e = error(resourcetype="Account", resourceids=account["id"], tags=[{"key": "k"}])
    assert e["errorcode"] == 431 and e["errortext"] == "Value for the key k is either null or empty"

    admin_cs.createTags(resourcetype="Account", resourceids=account["id"], tags=[{"key": "k", "value": "v"}], fetch_result=True)
    e = error(resourcetype="Account", resourceids=account["id"], tags=[{"key": "k", "value": "w"}])
    assert e["errorcode"] == 431 and e["errortext"] == f"tag k already on Account with id {account['id']}"
    assert [t["value"] for t in _tags(admin_cs, listall=True, resourceid=account["id"])] == ["v"]

    # Deleting the account takes its tags along.
    admin_cs.deleteAccount(id=account["id"], fetch_result=True)
    assert _tags(admin_cs, listall=True, resourceid=account["id"]) == []
