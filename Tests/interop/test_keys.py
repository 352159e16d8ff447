"""SSH key pairs, user data and affinity groups through real clients:
libcloud's key pair and affinity group calls (create_key_pair,
import_key_pair_from_string, list_key_pairs, get_key_pair, delete_key_pair,
ex_*_affinity_group*) and `cs` for the rest, each as a freshly made user."""

import base64

import pytest
from cs import CloudStack, CloudStackApiException

import cirrus_helpers as h

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJTB38vKZXNgSuYWn48SSFJOba+t7Srwbbt7RM+mmEkd me@host"
ED25519_MD5 = "0d:3d:d6:34:ab:f1:c0:ef:ad:af:eb:ad:54:65:76:73"  # ssh-keygen -l -E md5


def _user(cirrus_server, admin_api):
    account, user = h.create_account(admin_api, None)
    apikey, secret = h.register_keys(admin_api, user["id"])
    return account, apikey, secret


def _libcloud(cirrus_server, apikey, secret):
    from libcloud.compute.providers import get_driver
    from libcloud.compute.types import Provider
    return get_driver(Provider.CLOUDSTACK)(apikey, secret, host="127.0.0.1", port=cirrus_server.port, path="/client/api", secure=False)


def _cs(cirrus_server, apikey, secret, method="get"):
    return CloudStack(endpoint=cirrus_server.api_url, key=apikey, secret=secret, method=method,
                      timeout=30, poll_interval=0.2, job_timeout=int(h.JOB_TIMEOUT))


def test_key_pairs_with_libcloud(cirrus_server, admin_api):
    _, apikey, secret = _user(cirrus_server, admin_api)
    driver = _libcloud(cirrus_server, apikey, secret)

    created = driver.create_key_pair(name="made")
    assert created.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert len(created.fingerprint.split(":")) == 16

    imported = driver.import_key_pair_from_string("mine", ED25519)
    assert imported.fingerprint == ED25519_MD5
    assert imported.private_key is None

    pairs = {k.name: k for k in driver.list_key_pairs()}
    assert set(pairs) == {"made", "mine"}
    assert pairs["made"].fingerprint == created.fingerprint
    assert pairs["made"].private_key is None  # shown once, never listed
    assert driver.get_key_pair("mine").fingerprint == ED25519_MD5

    with pytest.raises(Exception, match="already exists"):
        driver.import_key_pair_from_string("mine", ED25519)
    with pytest.raises(Exception, match="Public key is invalid"):
        driver.import_key_pair_from_string("broken", "ssh-rsa not-a-key")

    # delete_key_pair compares "success" with the string "true" and so returns False
    # against 4.x servers (reference §4); the key is gone all the same.
    driver.delete_key_pair(pairs["made"])
    assert [k.name for k in driver.list_key_pairs()] == ["mine"]


def test_key_pairs_with_cs_and_isolation(cirrus_server, admin_api):
    account_a, key_a, secret_a = _user(cirrus_server, admin_api)
    _, key_b, secret_b = _user(cirrus_server, admin_api)
    a, b = _cs(cirrus_server, key_a, secret_a), _cs(cirrus_server, key_b, secret_b)

    # The base64-wrapped form of the line is accepted too.
    pair = a.registerSSHKeyPair(name="k", publickey=base64.b64encode(ED25519.encode()).decode())["keypair"]
    assert pair["fingerprint"] == ED25519_MD5 and pair["account"] == account_a["name"]
    assert a.listSSHKeyPairs(fingerprint=ED25519_MD5)["sshkeypair"][0]["name"] == "k"

    assert b.listSSHKeyPairs(listall=True).get("sshkeypair", []) == []
    with pytest.raises(CloudStackApiException) as err:
        b.deleteSSHKeyPair(name="k")
    assert err.value.error["errorcode"] == 431
    with pytest.raises(CloudStackApiException) as err:
        b.createSSHKeyPair(name="x", account=account_a["name"], domainid=account_a["domainid"])
    assert err.value.error["errorcode"] == 531

    assert a.deleteSSHKeyPair(name="k")["success"] is True
    assert a.listSSHKeyPairs().get("sshkeypair", []) == []


def test_user_data_with_cs(cirrus_server, admin_api):
    account, apikey, secret = _user(cirrus_server, admin_api)
    cs = _cs(cirrus_server, apikey, secret, method="post")
    content = base64.b64encode(b"#cloud-config\nruncmd:\n - echo {{ ds.meta_data.role }}\n").decode()

    ud = cs.registerUserData(name="web", userdata=content, params="role")["userdata"]
    assert ud["name"] == "web" and ud["userdata"] == content and ud["params"] == "role"
    assert ud["account"] == account["name"] and h.is_uuid(ud["id"])
    listed = cs.listUserData()["userdata"]
    assert [u["id"] for u in listed] == [ud["id"]]

    with pytest.raises(CloudStackApiException) as err:
        cs.registerUserData(name="bad", userdata="not base64!")
    assert err.value.error["errorcode"] == 431
    assert err.value.error["errortext"] == "User data is not base64 encoded"
    with pytest.raises(CloudStackApiException) as err:
        cs.registerUserData(name="web", userdata=base64.b64encode(b"#!/bin/sh\n").decode())
    assert err.value.error["errortext"] == "A userdata with name web already exists for this account."

    assert cs.deleteUserData(id=ud["id"])["success"] is True
    assert cs.listUserData().get("userdata", []) == []


def test_affinity_groups_with_libcloud_and_cs(cirrus_server, admin_api):
    account, apikey, secret = _user(cirrus_server, admin_api)
    driver = _libcloud(cirrus_server, apikey, secret)
    cs = _cs(cirrus_server, apikey, secret)

    types = [t.type for t in driver.ex_list_affinity_group_types()]
    assert types == ["host anti-affinity", "host affinity", "non-strict host anti-affinity", "non-strict host affinity"]

    # libcloud polls the async create and reads jobresult["affinitygroup"].
    anti = next(t for t in driver.ex_list_affinity_group_types() if t.type == "host anti-affinity")
    group = driver.ex_create_affinity_group("spread", anti)
    assert group.name == "spread" and group.type.type == "host anti-affinity" and h.is_uuid(group.id)

    # cs hands back the job result.
    made = cs.createAffinityGroup(name="pack", type="non-strict host affinity", description="together", fetch_result=True)
    assert made["affinitygroup"]["description"] == "together"
    assert made["affinitygroup"]["account"] == account["name"]
    assert {g.name for g in driver.ex_list_affinity_groups()} == {"spread", "pack"}
    only = cs.listAffinityGroups(type="non-strict host affinity")["affinitygroup"]
    assert [g["name"] for g in only] == ["pack"] and only[0]["virtualmachineIds"] == []

    # A bad type fails before any job exists.
    with pytest.raises(CloudStackApiException) as err:
        cs.createAffinityGroup(name="x", type="anti-affinity")
    assert err.value.error["errorcode"] == 431
    assert err.value.error["errortext"].startswith("Unable to create affinity group, invalid affinity group type: anti-affinity.")

    assert driver.ex_delete_affinity_group(group) is True
    assert cs.deleteAffinityGroup(name="pack", fetch_result=True)["success"] is True
    assert cs.listAffinityGroups().get("affinitygroup", []) == []
