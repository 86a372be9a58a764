#!/usr/bin/env python3
"""A relying party built on authlib, a third-party OAuth 2.0 / OpenID Connect library, run
against the Hexabase OIDC provider to prove that an ordinary client works with it unchanged.

    python3 oidc_relying_party.py ISSUER EMAIL PASSWORD

ISSUER is the provider's issuer URL (the edge, e.g. http://127.0.0.1:8080); EMAIL and PASSWORD
belong to a user who already exists. Everything is found through the discovery document.
authlib's OAuth2Session speaks the protocol (authorization URL, PKCE, token requests, refresh,
bearer calls) and authlib's JOSE validates the ID tokens against the provider's JWKS; the
`requests` library plays the user's browser (cookies, the login form with its CSRF token, the
device approval page) and never follows redirects, so nothing is sent to the redirect URI.

Steps, each printed as one `ok:` line:
  a. authorization code + PKCE (S256) for the public client `hexabase`, ID token validated
  b. refresh: the refresh token rotates; the old one is then refused (invalid_grant)
  c. device authorization grant (RFC 8628): approval in the browser, polling honouring
     authorization_pending / slow_down, ID token validated
  d. userinfo with the access token

Exit status 0 when every step passed; 1 with a `FAILED:` line otherwise (2: bad usage or a
missing package).
"""

import sys
import time
import warnings
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

try:
    from authlib.deprecate import AuthlibDeprecationWarning

    # authlib.jose, the JOSE API relying parties use today, still works in authlib 1.x but
    # warns that joserfc replaces it in 2.0. authlib installs an "always" filter on import;
    # this one comes first.
    warnings.filterwarnings("ignore", message="authlib.jose module is deprecated", category=AuthlibDeprecationWarning)

    import requests
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session, OAuthError
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.oidc.core import CodeIDToken
except ImportError as error:  # pragma: no cover - depends on the machine
    print(
        f"FAILED: a Python package is missing ({error}); install the test requirements with "
        "`python3 -m pip install -r scripts/requirements-test.txt` (`make test` does)",
        file=sys.stderr,
    )
    sys.exit(2)

CLIENT_ID = "hexabase"
REDIRECT_URI = "http://localhost:8000"
SCOPE = "openid email profile"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
TIMEOUT = 30


class StepFailed(Exception):
    """A check failed; the message says which and what was seen."""


def check(condition, message):
    if not condition:
        raise StepFailed(message)


def ok(message):
    print(f"ok: {message}", flush=True)


class FormParser(HTMLParser):
    """Collects the forms of a page: action, method and the named inputs and buttons."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action", ""), "method": (attributes.get("method") or "get").lower(), "fields": {}})
        elif tag in ("input", "button") and self.forms and attributes.get("name"):
            if attributes.get("type") in ("submit",) or tag == "button":
                return  # buttons are chosen by the caller, like a click
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""


def form_posting_to(page, path):
    """The form of `page` whose action is `path`, or a failure naming what the page showed."""
    parser = FormParser()
    parser.feed(page.text)
    for form in parser.forms:
        if urlsplit(form["action"]).path == path and form["method"] == "post":
            return form
    raise StepFailed(f"{page.url} (HTTP {page.status_code}) has no form posting to {path}: {page.text[:400]!r}")


class Browser:
    """The user's browser: a cookie jar, forms, and no automatic redirects."""

    def __init__(self, issuer):
        self.issuer = issuer
        self.session = requests.Session()

    def get(self, url, **kwargs):
        return self.session.get(urljoin(self.issuer + "/", url), allow_redirects=False, timeout=TIMEOUT, **kwargs)

    def post(self, url, data):
        return self.session.post(urljoin(self.issuer + "/", url), data=data, allow_redirects=False, timeout=TIMEOUT)

    def sign_in(self, login_page, email, password):
        """Submits the login form of `login_page`; returns where the provider sends the browser."""
        form = form_posting_to(login_page, "/oauth2/login")
        csrf = form["fields"].get("csrf")
        check(csrf, "the login form has no csrf field")
        cookie = self.session.cookies.get("hxb_csrf")
        check(cookie == csrf, f"the login form's csrf field differs from the hxb_csrf cookie ({cookie!r})")
        fields = dict(form["fields"], email=email, password=password)
        response = self.post(urljoin(login_page.url, form["action"]), fields)
        check(response.status_code == 303, f"login answered HTTP {response.status_code}, not 303: {response.text[:400]!r}")
        check(self.session.cookies.get("hxb_session"), "login set no hxb_session cookie")
        return response.headers["Location"]


class RelyingParty:
    def __init__(self, issuer, email, password):
        self.issuer = issuer
        self.email = email
        self.password = password
        self.browser = Browser(issuer)
        self.metadata = {}
        self.keys = None
        self.subject = None
        self.jwt = JsonWebToken(["RS256"])  # what discovery announces; anything else is refused

    def session(self):
        """An authlib client for the public client `hexabase` (client_id in the body, no secret)."""
        return OAuth2Session(
            client_id=CLIENT_ID, scope=SCOPE, redirect_uri=REDIRECT_URI,
            code_challenge_method="S256", token_endpoint_auth_method="none",
        )

    def discover(self):
        response = requests.get(self.issuer + "/.well-known/openid-configuration", timeout=TIMEOUT)
        check(response.status_code == 200, f"discovery answered HTTP {response.status_code}")
        self.metadata = response.json()
        check(self.metadata.get("issuer") == self.issuer, f"discovery names issuer {self.metadata.get('issuer')!r}, not {self.issuer!r}")
        for field in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "device_authorization_endpoint"):
            check(self.metadata.get(field, "").startswith(self.issuer + "/"), f"discovery's {field} is {self.metadata.get(field)!r}")
        check("S256" in self.metadata.get("code_challenge_methods_supported", []), "discovery does not offer PKCE S256")
        check("RS256" in self.metadata.get("id_token_signing_alg_values_supported", []), "discovery does not offer RS256 ID tokens")
        jwks = requests.get(self.metadata["jwks_uri"], timeout=TIMEOUT)
        check(jwks.status_code == 200, f"jwks_uri answered HTTP {jwks.status_code}")
        self.keys = JsonWebKey.import_key_set(jwks.json())
        ok(f"discovery: issuer {self.issuer}, {len(self.keys.keys)} key(s) in {self.metadata['jwks_uri']}")

    def validate_id_token(self, token, nonce=None):
        """Signature (JWKS), iss, aud, exp/iat, nonce and at_hash, checked by authlib."""
        id_token = token.get("id_token")
        check(id_token, f"the token response has no id_token: {sorted(token)}")
        options = {"iss": {"essential": True, "value": self.issuer}, "aud": {"essential": True, "value": CLIENT_ID}}
        params = {"client_id": CLIENT_ID, "access_token": token["access_token"]}
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
            params["nonce"] = nonce
        claims = self.jwt.decode(id_token, self.keys, claims_cls=CodeIDToken, claims_options=options, claims_params=params)
        claims.validate()
        check(claims.header.get("kid"), "the ID token's header has no kid")
        check(claims.get("email") == self.email, f"the ID token's email is {claims.get('email')!r}")
        check(claims.get("at_hash"), "the ID token has no at_hash")
        if nonce is None:
            check("nonce" not in claims, "an ID token without a requested nonce carries one")
        if self.subject is None:
            self.subject = claims["sub"]
        check(claims["sub"] == self.subject, f"the ID token's subject changed: {claims['sub']!r} vs {self.subject!r}")
        return claims

    def code_flow(self):
        client = self.session()
        verifier = generate_token(64)
        nonce = generate_token(24)
        url, state = client.create_authorization_url(self.metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
        query = parse_qs(urlsplit(url).query)
        check(query.get("code_challenge_method") == ["S256"] and query.get("code_challenge"), f"authlib sent no S256 challenge: {url}")

        login_page = self.browser.get(url)
        check(login_page.status_code == 200, f"authorize without a session answered HTTP {login_page.status_code}, not the login page")
        back_to = self.browser.sign_in(login_page, self.email, self.password)
        check(urlsplit(back_to).path == "/oauth2/authorize", f"after login the browser is sent to {back_to!r}, not back to authorize")
        answer = self.browser.get(back_to)
        check(answer.status_code == 302, f"authorize after login answered HTTP {answer.status_code}: {answer.text[:400]!r}")
        callback = answer.headers["Location"]
        check(callback.startswith(REDIRECT_URI + "?") or callback.startswith(REDIRECT_URI + "/?"), f"authorize redirected to {callback!r}")
        parameters = parse_qs(urlsplit(callback).query)
        check("error" not in parameters, f"authorize answered an error: {parameters}")
        check(parameters.get("iss") == [self.issuer], f"the authorization response's iss (RFC 9207) is {parameters.get('iss')}")
        ok("authorize: login form with CSRF, then a code for http://localhost:8000 (state and iss returned)")

        # authlib reads code and state from the redirect and checks the state itself.
        token = client.fetch_token(self.metadata["token_endpoint"], authorization_response=callback, state=state, code_verifier=verifier)
        check(token.get("token_type", "").lower() == "bearer", f"token_type is {token.get('token_type')!r}")
        check(token.get("refresh_token"), "the code exchange gave no refresh token")
        claims = self.validate_id_token(token, nonce=nonce)
        ok(f"code + PKCE: tokens exchanged by authlib; ID token valid (sub {claims['sub']}, nonce, at_hash, aud {CLIENT_ID})")
        return client, token

    def refresh(self, client, token):
        old = token["refresh_token"]
        refreshed = client.refresh_token(self.metadata["token_endpoint"], refresh_token=old)
        check(refreshed.get("access_token") and refreshed["access_token"] != token["access_token"], "refresh gave no new access token")
        check(refreshed.get("refresh_token") and refreshed["refresh_token"] != old, "the refresh token did not rotate")
        self.validate_id_token(refreshed)
        ok("refresh: authlib got a new access token, a rotated refresh token and a valid ID token")
        try:
            self.session().refresh_token(self.metadata["token_endpoint"], refresh_token=old)
        except OAuthError as error:
            check(error.error == "invalid_grant", f"the replayed refresh token was refused with {error.error!r}, not invalid_grant")
        else:
            raise StepFailed("the old refresh token was accepted a second time")
        ok("refresh: the old refresh token is refused (invalid_grant)")

    def device_flow(self):
        client = self.session()
        response = requests.post(
            self.metadata["device_authorization_endpoint"], data={"client_id": CLIENT_ID, "scope": SCOPE}, timeout=TIMEOUT
        )
        check(response.status_code == 200, f"device_authorization answered HTTP {response.status_code}: {response.text[:400]!r}")
        grant = response.json()
        for field in ("device_code", "user_code", "verification_uri", "expires_in"):
            check(field in grant, f"the device authorization response lacks {field}: {sorted(grant)}")
        interval = int(grant.get("interval", 5))
        deadline = time.monotonic() + int(grant["expires_in"])

        def poll():
            return client.fetch_token(self.metadata["token_endpoint"], grant_type=DEVICE_GRANT, device_code=grant["device_code"])

        try:
            poll()
            raise StepFailed("the device code gave tokens before anyone approved it")
        except OAuthError as error:
            check(error.error == "authorization_pending", f"the first poll answered {error.error!r}, not authorization_pending")
        ok(f"device: user code {grant['user_code']}; polling before approval says authorization_pending")

        page = self.browser.get(grant["verification_uri"], params={"user_code": grant["user_code"]})
        if form_posting_to_or_none(page, "/oauth2/login"):
            self.browser.get(self.browser.sign_in(page, self.email, self.password))
            page = self.browser.get(grant["verification_uri"], params={"user_code": grant["user_code"]})
        check(page.status_code == 200, f"the device page answered HTTP {page.status_code}: {page.text[:400]!r}")
        form = form_posting_to(page, "/oauth2/device")
        check(self.email in page.text, "the device confirmation page does not name the signed-in user")
        approved = self.browser.post(urljoin(page.url, form["action"]), dict(form["fields"], action="approve"))
        check(approved.status_code == 200 and "Device connected" in approved.text, f"approval answered HTTP {approved.status_code}: {approved.text[:400]!r}")
        ok("device: approved in the browser (confirmation page with CSRF)")

        waits = {"authorization_pending": 0, "slow_down": 0}
        while True:
            check(time.monotonic() < deadline, f"no tokens before the device code expired ({waits})")
            time.sleep(interval)
            try:
                token = poll()
                break
            except OAuthError as error:
                check(error.error in waits, f"polling answered {error.error!r}: {error.description}")
                waits[error.error] += 1
                if error.error == "slow_down":
                    interval += 5  # RFC 8628 §3.5
        self.validate_id_token(token)
        ok(f"device: authlib polled at {interval} s intervals ({waits}) and got tokens; ID token valid for the same subject")
        try:
            poll()
            raise StepFailed("the device code gave tokens twice")
        except OAuthError as error:
            check(error.error == "invalid_grant", f"a used device code answered {error.error!r}, not invalid_grant")
        return client, token

    def userinfo(self, client):
        response = client.get(self.metadata["userinfo_endpoint"], timeout=TIMEOUT)
        check(response.status_code == 200, f"userinfo answered HTTP {response.status_code}: {response.text[:400]!r}")
        info = response.json()
        check(info.get("sub") == self.subject, f"userinfo's sub is {info.get('sub')!r}, not {self.subject!r}")
        check(info.get("email") == self.email, f"userinfo's email is {info.get('email')!r}")
        ok(f"userinfo: authlib's bearer request returns sub and email {self.email}")


def form_posting_to_or_none(page, path):
    try:
        return form_posting_to(page, path)
    except StepFailed:
        return None


def main(argv):
    if len(argv) != 4:
        print("usage: " + __doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    issuer, email, password = argv[1].rstrip("/"), argv[2], argv[3]
    party = RelyingParty(issuer, email, password)
    step = "discovery"
    try:
        party.discover()
        step = "code flow"
        client, token = party.code_flow()
        step = "refresh"
        party.refresh(client, token)
        step = "device flow"
        device_client, _ = party.device_flow()
        step = "userinfo"
        party.userinfo(device_client)
    except StepFailed as failure:
        print(f"FAILED: {step}: {failure}", flush=True)
        return 1
    except OAuthError as error:
        print(f"FAILED: {step}: the provider answered {error.error!r}: {error.description}", flush=True)
        return 1
    except Exception as error:  # anything authlib or requests raised, e.g. a bad signature
        print(f"FAILED: {step}: {type(error).__name__}: {error}", flush=True)
        return 1
    print("all steps passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
