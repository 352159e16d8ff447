"""Wire-level helpers for the Cirrus interop suite.

Everything here follows shared/reference/api-protocol.md (the CloudStack HTTP
API as real clients see it). Section numbers in comments refer to it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time
import uuid
from typing import Any

import requests

HTTP_TIMEOUT = float(os.environ.get("CIRRUS_INTEROP_HTTP_TIMEOUT", "30"))
JOB_TIMEOUT = float(os.environ.get("CIRRUS_INTEROP_JOB_TIMEOUT", "60"))
JOB_POLL_INTERVAL = 0.2

# Errortexts the reference (§6.4) says to reproduce verbatim.
ERR_APIKEY = "unable to verify user credentials and/or request signature"
ERR_SESSION = "unable to verify user credentials"

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# §4.1: dates are yyyy-MM-dd'T'HH:mm:ssZ, e.g. 2024-05-01T12:34:56+0000
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$")

USER_PASSWORD = "Interop-Passw0rd"


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def unique(prefix: str) -> str:
    """A name no other test (or earlier run against the same database) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --------------------------------------------------------------------------
# Signing (§2.1): the Java algorithm, exactly.

_JAVA_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-*_")


def java_urlencode(value: str) -> str:
    """java.net.URLEncoder.encode(value, "UTF-8") with '+' replaced by '%20'."""
    out = []
    for byte in value.encode("utf-8"):
        if byte in _JAVA_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("%20")
        else:
            out.append("%%%02X" % byte)
    return "".join(out)


def string_to_sign(params: dict[str, str]) -> str:
    """Every parameter but `signature`, names sorted as Java String.compareTo
    (UTF-16 code units), values Java-URL-encoded, whole string lowercased."""
    items = [(k, v) for k, v in params.items() if k.lower() != "signature"]
    items.sort(key=lambda kv: kv[0].encode("utf-16-be"))
    return "&".join(f"{k}={java_urlencode(str(v))}" for k, v in items).lower()


def sign(params: dict[str, str], secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), string_to_sign(params).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def expires_in(seconds: float) -> str:
    """An `expires` value in the form all three clients send (…+0000)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(time.time() + seconds))


def _stringify(params: dict[str, Any]) -> dict[str, str]:
    out = {}
    for k, v in params.items():
        if v is None:
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        out[k] = str(v)
    return out


# --------------------------------------------------------------------------
# Response checks (§4.1, §6.1)


def describe(resp: requests.Response) -> str:
    body = resp.text
    if len(body) > 2000:
        body = body[:2000] + "…"
    return f"HTTP {resp.status_code} {resp.request.method} {resp.url}\n{resp.headers.get('Content-Type')}\n{body}"


def response_key(command: str) -> str:
    return command.lower() + "response"


def envelope(resp: requests.Response, key: str | None = None) -> dict:
    """The JSON body's single top-level value (asserting the key when given)."""
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), f"not JSON: {describe(resp)}"
    body = resp.json()
    assert isinstance(body, dict) and len(body) == 1, f"need exactly one top-level key: {describe(resp)}"
    (top,) = body.keys()
    if key is not None:
        assert top == key, f"top-level key {top!r}, expected {key!r}: {describe(resp)}"
    value = body[top]
    assert isinstance(value, dict), describe(resp)
    return value


def expect_ok(resp: requests.Response, command: str) -> dict:
    assert resp.status_code == 200, describe(resp)
    return envelope(resp, response_key(command))


def expect_error(resp: requests.Response, status: int, key: str | None = None) -> dict:
    """Assert an error envelope with HTTP status == errorcode == `status`."""
    assert resp.status_code == status, f"expected HTTP {status}: {describe(resp)}"
    err = envelope(resp, key)
    assert err.get("errorcode") == status, f"errorcode != {status}: {describe(resp)}"
    assert isinstance(err.get("errortext"), str) and err["errortext"], describe(resp)
    return err


def expect_failure(resp: requests.Response) -> dict:
    """Any error (non-200) with a well-formed envelope whose errorcode is the status."""
    assert resp.status_code != 200, f"expected an error: {describe(resp)}"
    err = envelope(resp)
    assert err.get("errorcode") == resp.status_code, describe(resp)
    assert isinstance(err.get("errortext"), str) and err["errortext"], describe(resp)
    return err


def items(body: dict, key: str) -> list[dict]:
    """List items of a list response (§4.1): `{}` when empty, else count + key."""
    if key not in body:
        return []
    assert isinstance(body.get("count"), int) and not isinstance(body["count"], bool), body
    assert isinstance(body[key], list), body
    return body[key]


# --------------------------------------------------------------------------
# Clients


class _Client:
    api_url: str

    def get(self, command: str, **params: Any) -> requests.Response:
        raise NotImplementedError

    def call(self, command: str, **params: Any) -> dict:
        return expect_ok(self.get(command, **params), command)

    def submit(self, command: str, **params: Any) -> str:
        """Submit an async command; returns the job id (§5.1)."""
        body = self.call(command, **params)
        assert is_uuid(body.get("jobid")), body
        return body["jobid"]

    def wait_job(self, jobid: str, timeout: float = JOB_TIMEOUT) -> dict:
        """Poll queryAsyncJobResult until jobstatus != 0; return the job."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.call("queryAsyncJobResult", jobid=jobid)
            assert job.get("jobid") == jobid, job
            assert type(job.get("jobstatus")) is int, job
            assert type(job.get("jobresultcode")) is int, job
            if job["jobstatus"] != 0:
                return job
            assert time.monotonic() < deadline, f"job {jobid} still pending after {timeout}s: {job}"
            time.sleep(JOB_POLL_INTERVAL)

    def run_async(self, command: str, **params: Any) -> dict:
        """Submit, poll to completion, assert success (§5.2); return the job."""
        job = self.wait_job(self.submit(command, **params))
        assert job["jobstatus"] == 1, job
        assert job["jobresultcode"] == 0, job
        assert job.get("jobresulttype") == "object", job
        assert isinstance(job.get("jobresult"), dict), job
        return job


class ApiKeyClient(_Client):
    """Signs requests itself (§2.1). By default like libcloud: no
    signatureVersion/expires; `signature_version=3` adds them like cs."""

    def __init__(self, api_url: str, apikey: str, secret: str, signature_version: int | None = None):
        self.api_url = api_url
        self.apikey = apikey
        self.secret = secret
        self.signature_version = signature_version
        self.http = requests.Session()

    def signed_params(self, command: str, *, json: bool = True, apikey_name: str = "apiKey",
                      signature_version: int | None = None, expires: str | None = None,
                      secret: str | None = None, **params: Any) -> dict[str, str]:
        p = _stringify(params)
        p["command"] = command
        p[apikey_name] = self.apikey
        if json:
            p["response"] = "json"
        sv = signature_version if signature_version is not None else self.signature_version
        if sv is not None:
            p["signatureVersion"] = str(sv)
            p["expires"] = expires or expires_in(600)
        elif expires is not None:
            p["expires"] = expires
        p["signature"] = sign(p, secret if secret is not None else self.secret)
        return p

    def get(self, command: str, **params: Any) -> requests.Response:
        return self.http.get(self.api_url, params=self.signed_params(command, **params), timeout=HTTP_TIMEOUT)

    def post(self, command: str, **params: Any) -> requests.Response:
        return self.http.post(self.api_url, data=self.signed_params(command, **params), timeout=HTTP_TIMEOUT)


class SessionClient(_Client):
    """Username/password session (§3): cookies ride in `http`, the sessionkey
    goes as a request parameter."""

    def __init__(self, api_url: str, http: requests.Session, login: dict):
        self.api_url = api_url
        self.http = http
        self.login = login
        self.sessionkey = login["sessionkey"]

    def get(self, command: str, **params: Any) -> requests.Response:
        p = _stringify(params)
        p["command"] = command
        p.setdefault("response", "json")
        p["sessionkey"] = self.sessionkey
        return self.http.get(self.api_url, params=p, timeout=HTTP_TIMEOUT)

    def logout(self) -> requests.Response:
        return self.http.get(self.api_url, params={"command": "logout", "response": "json",
                                                   "sessionkey": self.sessionkey}, timeout=HTTP_TIMEOUT)


def post_login(api_url: str, username: str, password: str, domain: str = "/",
               http: requests.Session | None = None) -> tuple[requests.Response, requests.Session]:
    http = http or requests.Session()
    resp = http.post(api_url, data={"command": "login", "username": username, "password": password,
                                    "domain": domain, "response": "json"}, timeout=HTTP_TIMEOUT)
    return resp, http


def login(api_url: str, username: str, password: str, domain: str = "/") -> SessionClient:
    resp, http = post_login(api_url, username, password, domain)
    assert resp.status_code == 200, describe(resp)
    body = envelope(resp, "loginresponse")
    return SessionClient(api_url, http, body)


# --------------------------------------------------------------------------
# Fixtures' building blocks


def create_domain(client: _Client, name: str | None = None, parent: str | None = None) -> dict:
    body = client.call("createDomain", name=name or unique("dom"), parentdomainid=parent)
    return body["domain"]


def create_account(client: _Client, domainid: str | None, accounttype: int = 0,
                   name: str | None = None) -> tuple[dict, dict]:
    """createAccount with its first user; returns (account, user)."""
    name = name or unique("acct")
    username = name + "-u"
    body = client.call("createAccount", account=name, accounttype=accounttype, domainid=domainid,
                       username=username, password=USER_PASSWORD, email=f"{username}@example.com",
                       firstname="First", lastname="Last")
    account = body["account"]
    users = account.get("user") or []
    assert len(users) == 1 and users[0]["username"] == username, account
    return account, users[0]


def register_keys(client: _Client, userid: str) -> tuple[str, str]:
    """registerUserKeys; returns (apikey, secretkey). Response object `userkeys`."""
    body = client.call("registerUserKeys", id=userid)
    keys = body["userkeys"]
    assert isinstance(keys.get("apikey"), str) and keys["apikey"], body
    assert isinstance(keys.get("secretkey"), str) and keys["secretkey"], body
    return keys["apikey"], keys["secretkey"]


def client_for_user(admin: _Client, userid: str) -> ApiKeyClient:
    apikey, secret = register_keys(admin, userid)
    return ApiKeyClient(admin.api_url, apikey, secret)
