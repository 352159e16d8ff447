"""Resource limits and counts through the `cs` client: listResourceLimits with the
defaults, updateResourceLimit for accounts and domains (GiB for storage), the
parent-domain rule, updateResourceCount, and CloudStack's errors for bad input."""

import pytest

import cirrus_helpers as h


def _by_name(limits):
    return {l["resourcetypename"]: l for l in limits}


def test_limits_defaults_and_updates(admin_cs):
    parent = admin_cs.createDomain(name=h.unique("lim"))["domain"]
    child = admin_cs.createDomain(name=h.unique("limc"), parentdomainid=parent["id"])["domain"]
    name = h.unique("acct")
    admin_cs.createAccount(account=name, accounttype=0, domainid=child["id"], username=name + "-u", password=h.USER_PASSWORD,
                           email=f"{name}@example.com", firstname="F", lastname="L")

    limits = admin_cs.listResourceLimits(account=name, domainid=child["id"])["resourcelimit"]
    assert [l["resourcetype"] for l in limits] == [str(i) for i in range(12)]
    byname = _by_name(limits)
    assert byname["user_vm"]["max"] == 20
    assert byname["cpu"]["max"] == 40
    assert byname["primary_storage"]["max"] == 200
    assert byname["user_vm"]["account"] == name
    assert byname["user_vm"]["domainid"] == child["id"]

    updated = admin_cs.updateResourceLimit(account=name, domainid=child["id"], resourcetype=10, max=55)["resourcelimit"]
    assert updated["max"] == 55 and updated["resourcetypename"] == "primary_storage" and updated["resourcetype"] == "10"
    again = admin_cs.listResourceLimits(account=name, domainid=child["id"], resourcetype=10)["resourcelimit"]
    assert len(again) == 1 and again[0]["max"] == 55

    admin_cs.updateResourceLimit(domainid=parent["id"], resourcetype=0, max=10)
    domain_limits = _by_name(admin_cs.listResourceLimits(domainid=parent["id"])["resourcelimit"])
    assert domain_limits["user_vm"]["max"] == 10 and "account" not in domain_limits["user_vm"]
    assert domain_limits["cpu"]["max"] == 80
    # The child has no row of its own: it shows the parent's limit.
    assert admin_cs.listResourceLimits(domainid=child["id"], resourcetype=0)["resourcelimit"][0]["max"] == 10

    from cs import CloudStackApiException
    with pytest.raises(CloudStackApiException) as exc:
        admin_cs.updateResourceLimit(domainid=child["id"], resourcetype=0, max=11)
    assert exc.value.error["errorcode"] == 431
    assert "has maximum allowed resource limit 10" in exc.value.error["errortext"]

    counts = admin_cs.updateResourceCount(domainid=child["id"], account=name)["resourcecount"]
    assert len(counts) == 12
    assert all(c["resourcecount"] == 0 for c in counts)
    assert {c["account"] for c in counts} == {name}
    domain_counts = admin_cs.updateResourceCount(domainid=parent["id"], resourcetype=0)["resourcecount"]
    assert len(domain_counts) == 1 and domain_counts[0]["domainid"] == parent["id"] and domain_counts[0]["resourcecount"] == 0


@pytest.mark.parametrize("params,text", [
    ({"resourcetype": 12, "max": 1}, "Please specify valid resource type"),
    ({"resourcetype": 0, "max": -2}, "Please specify either '-1' for an infinite limit"),
    ({"resourcetype": 0, "max": 3, "nodomain": True}, "AccountId or domainId have to be specified"),
])
def test_update_limit_bad_input(admin_cs, params, text):
    from cs import CloudStackApiException
    domain = admin_cs.createDomain(name=h.unique("limbad"))["domain"]
    params = dict(params)
    if not params.pop("nodomain", False):
        params["domainid"] = domain["id"]
    with pytest.raises(CloudStackApiException) as exc:
        admin_cs.updateResourceLimit(**params)
    assert exc.value.response.status_code == 431
    assert text in exc.value.error["errortext"]


def test_root_domain_limit_is_refused(admin_cs):
    from cs import CloudStackApiException
    root = admin_cs.listDomains(name="ROOT")["domain"][0]
    with pytest.raises(CloudStackApiException) as exc:
        admin_cs.updateResourceLimit(domainid=root["id"], resourcetype=0, max=5)
    assert exc.value.error["errorcode"] == 531
