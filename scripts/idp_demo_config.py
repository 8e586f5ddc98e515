"""Print the config of the local identity provider for `make idp` (JSON on stdout).

    python scripts/idp_demo_config.py [--portal-url http://127.0.0.1:8000] > var/idp/config.json

One client, `portal-demo` (its secret from IDP_CLIENT_SECRET, default
demo-secret-only-for-make-idp), and the demo people of the Dienstkonto stand-in, all with the
password Hamburg-SSO-2026!. For development only: scripts/idp/server.mjs, docs/single-sign-on.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

DEFAULT_PORTAL_URL = "http://127.0.0.1:8000"
DEFAULT_CLIENT_SECRET = "demo-secret-only-for-make-idp"  # noqa: S105 - a local demo value
DEMO_PASSWORD = "Hamburg-SSO-2026!"  # noqa: S105 - the documented demo password

# (sub, e-mail, given name, family name, groups, MFA): who is who in docs/single-sign-on.md. The
# groups are those `seed_demo` gives roles in the portal (identity/demo.py): `fhh-behoerde-<code>`
# names the person's authority.
PEOPLE: tuple[tuple[str, str, str, str, list[str], bool], ...] = (
    # ITD staff
    (
        "anna.schmidt",
        "anna.schmidt@hamburg.de",
        "Anna",
        "Schmidt",
        ["fhh-itd", "fhh-behoerde-ITD"],
        True,
    ),
    # digitalisation officer of the BVM
    (
        "jan.peters",
        "jan.peters@bvm.hamburg.de",
        "Jan",
        "Peters",
        ["fhh-dv-BVM", "fhh-behoerde-BVM"],
        True,
    ),
    # coordinator of the space Mobilität & Energie
    (
        "lea.koch",
        "lea.koch@hamburg.de",
        "Lea",
        "Koch",
        ["fhh-raum-mobilitaet-energie-koordination", "fhh-behoerde-BUKEA"],
        True,
    ),
    # member of the space Mobilität & Energie; signs in without a second factor
    (
        "tim.wolf",
        "tim.wolf@hamburg.de",
        "Tim",
        "Wolf",
        ["fhh-raum-mobilitaet-energie", "fhh-behoerde-BVM"],
        False,
    ),
)


def demo_config(portal_url: str, client_secret: str) -> dict[str, Any]:
    base = portal_url.rstrip("/")
    client = {
        "client_id": "portal-demo",
        "client_name": "Digitale Räume Hamburg (Demo)",
        "client_secret": client_secret,
        "redirect_uris": [f"{base}/accounts/oidc/fhh/login/callback/"],
        "post_logout_redirect_uris": [f"{base}/"],
        "backchannel_logout_uri": f"{base}/accounts/oidc/fhh/backchannel-logout/",
        "backchannel_logout_session_required": True,
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }
    accounts = [
        {
            "sub": sub,
            "email": email,
            "email_verified": True,
            "given_name": given_name,
            "family_name": family_name,
            "groups": groups,
            "mfa": mfa,
            "password": DEMO_PASSWORD,
        }
        for sub, email, given_name, family_name, groups, mfa in PEOPLE
    ]
    return {"clients": [client], "accounts": accounts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--portal-url",
        default=os.environ.get("PORTAL_URL", DEFAULT_PORTAL_URL),
        help=f"where the portal runs (default: PORTAL_URL or {DEFAULT_PORTAL_URL})",
    )
    arguments = parser.parse_args(argv)
    secret = os.environ.get("IDP_CLIENT_SECRET") or DEFAULT_CLIENT_SECRET
    json.dump(demo_config(arguments.portal_url, secret), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
