"""Every URL the project defines x every role x GET and POST -> expected status (the access
matrix, docs/access.md).

A new URL without a row here fails `test_every_project_url_has_a_row`. Each row names, by hand:

- the answer to GET per role;
- the answer to POST with an empty body per role. For a form, the allowed roles get 400 (the
  form with its messages, nothing written); a confirmation without fields (end, revoke, delete
  a row) is done at once (302, and the row's `acts` names who may). A forbidden role gets what
  it gets for GET (403/404, or 302 to the sign-in page: `login_required` runs first). A view
  that accepts GET only answers 405 to whoever gets that far (the MFA enrolment gate runs
  before the view, `login_required` too);
- the methods the view accepts (`require_http_methods`, `require_safe` for pages: GET and
  HEAD); ANY_METHOD only for Django's admin pages, which show themselves to any method.

Nothing but an allowed POST may change the database or send an e-mail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from contacts.models import User
from hamburg_digital.layers import APPS
from spaces.models import Membership

from .conftest import (
    ROLES,
    client_for,
    files_under,
    kept_world,
    make_all_roles,
    the_authority,
    the_space,
)
from .robustness import changed_tables, db_fingerprint

# Every app of the one list (hamburg_digital/layers.py): a new app's URLs need rows here.
PROJECT_APPS = tuple(f"{app}." for app in APPS)

LOGIN = 302  # anonymous visitors are sent to the sign-in page
INVALID = 400  # an empty form: shown again with its messages, nothing written
DONE = 302  # a confirmation without fields: done, then on to the next page
DELETED = 303  # a deletion: done, See Other (Back then finds the 410 page, core.gone)
NOT_ALLOWED = 405  # a method the view does not accept

# A row that does not name "guest_ended" (a guest whose access ended) expects what "anonymous"
# gets: such a guest is signed out at the next request (test_permission_matrix applies it).
ROW_ROLES = tuple(r for r in ROLES if r != "guest_ended")
METHODS = ("GET", "POST")
OTHER_METHODS = ("PUT", "PATCH", "DELETE")
GET_ONLY = frozenset({"GET"})
GET_POST = frozenset({"GET", "POST"})
ANY_METHOD = frozenset({*METHODS, *OTHER_METHODS})


def roles(default: int, **status: int) -> dict[str, int]:
    """{role: status} for every role of a row: `default`, but for the roles named."""
    unknown = set(status) - set(ROW_ROLES) - {"guest_ended"}
    assert not unknown, f"no such role: {sorted(unknown)}"
    return {**dict.fromkeys(ROW_ROLES, default), **status}


class Row(NamedTuple):
    builder: str | None  # which url_kwargs the URL takes
    get: dict[str, int]
    post: dict[str, int]  # an empty POST body
    methods: frozenset[str]
    acts: frozenset[str] = frozenset()  # whose empty POST does it (changes the database)

    def expected(self, method: str) -> dict[str, int]:
        return {"GET": self.get, "POST": self.post}[method]


def page(builder: str | None, status: dict[str, int]) -> Row:
    """A page (require_safe): GET shows it; POST answers 405 to whoever gets past the sign-in
    (login_required runs first and sends visitors to the sign-in page)."""
    post = {role: LOGIN if answer == LOGIN else NOT_ALLOWED for role, answer in status.items()}
    return Row(builder, status, post, GET_ONLY)


def admin_page(builder: str | None, status: dict[str, int]) -> Row:
    """Django's admin shows its pages to any method (a POST body of these is never read)."""
    return Row(builder, status, status, ANY_METHOD)


def post_only(builder: str | None, post: dict[str, int], acts: frozenset[str]) -> Row:
    """An action (login_required, require_POST): GET answers 405 to the signed-in."""
    return Row(builder, roles(NOT_ALLOWED, anonymous=LOGIN), post, frozenset({"POST"}), acts)


EVERYONE = roles(200)
SIGNED_IN = roles(200, anonymous=LOGIN)
# A download or a page for signed-in people that accepts GET only.
SIGNED_IN_GET_ONLY = roles(NOT_ALLOWED, anonymous=LOGIN)
SIGNED_IN_FORM = roles(INVALID, anonymous=LOGIN)
SIGNED_IN_DONE = roles(DONE, anonymous=LOGIN)
SIGNED_IN_ROLES = frozenset(r for r in ROLES if r not in ("anonymous", "guest_ended"))

# Members and guests of a space: ITD and the space's coordinators.
MANAGERS = roles(403, itd=200, coordinator=200, anonymous=LOGIN)
MANAGERS_FORM = roles(403, itd=INVALID, coordinator=INVALID, anonymous=LOGIN)
# Ending a membership: done, See Other (Back then finds the 410 page, core.gone).
MANAGERS_ENDED = roles(403, itd=DELETED, coordinator=DELETED, anonymous=LOGIN)
BY_MANAGERS = frozenset({"itd", "coordinator"})

# Invitations are invisible (404) to everyone but ITD and the space's coordinators.
INVITATION_MANAGERS = roles(404, itd=200, coordinator=200, anonymous=LOGIN)
INVITATION_MANAGERS_FORM = roles(404, itd=INVALID, coordinator=INVALID, anonymous=LOGIN)
INVITATION_MANAGERS_DONE = roles(404, itd=DONE, coordinator=DONE, anonymous=LOGIN)

# Guests into a single (here: restricted) project: ITD only; invisible -> 404.
PROJECT_INVITERS = roles(403, itd=200, guest=404, outsider=404, anonymous=LOGIN)
PROJECT_INVITERS_FORM = roles(403, itd=INVALID, guest=404, outsider=404, anonymous=LOGIN)

# Issue 3: projects. Own people of a restricted project see it and its budget; only ITD, the
# coordinator of its space and the officer of its lead authority edit it; invisible -> 404.
PROJECT_CREATORS = roles(403, itd=200, coordinator=200, officer=200, anonymous=LOGIN)
PROJECT_CREATORS_FORM = roles(
    403, itd=INVALID, coordinator=INVALID, officer=INVALID, anonymous=LOGIN
)
PROJECT_EDITORS = roles(
    403, itd=200, coordinator=200, officer=200, guest=404, outsider=404, anonymous=LOGIN
)
PROJECT_EDITORS_FORM = roles(
    403,
    itd=INVALID,
    coordinator=INVALID,
    officer=INVALID,
    guest=404,
    outsider=404,
    anonymous=LOGIN,
)
PROJECT_EDITORS_DONE = roles(
    403, itd=DONE, coordinator=DONE, officer=DONE, guest=404, outsider=404, anonymous=LOGIN
)
PROJECT_EDITORS_DELETED = roles(
    403, itd=DELETED, coordinator=DELETED, officer=DELETED, guest=404, outsider=404, anonymous=LOGIN
)
BY_PROJECT_EDITORS = frozenset({"itd", "coordinator", "officer"})
# The budget: ITD and the officer of the lead authority; the coordinator sees it, no more.
BUDGET_EDITORS = roles(403, itd=200, officer=200, guest=404, outsider=404, anonymous=LOGIN)
BUDGET_EDITORS_FORM = roles(
    403, itd=INVALID, officer=INVALID, guest=404, outsider=404, anonymous=LOGIN
)
ITD_ONLY = roles(403, itd=200, anonymous=LOGIN)
ITD_ONLY_FORM = roles(403, itd=INVALID, anonymous=LOGIN)

# Reports: ITD, coordinators and officers have the archive; a report of the coordinator's space
# is seen by ITD and its coordinators only, invisible (404) to the rest.
REPORT_ARCHIVE = roles(403, itd=200, coordinator=200, officer=200, anonymous=LOGIN)
REPORT_ARCHIVE_FORM = roles(403, itd=INVALID, coordinator=INVALID, officer=INVALID, anonymous=LOGIN)
SPACE_REPORT = roles(404, itd=200, coordinator=200, anonymous=LOGIN)

# Meetings (issue 12): the meeting of the rows is in the coordinator's space, the member invited
# (the officer, also in the space, is not). ITD and the space's coordinators run it; who is
# invited sees it; everyone else: 404. The meetings page of a space: ITD and its people.
SPACE_PEOPLE = roles(403, itd=200, coordinator=200, officer=200, member=200, anonymous=LOGIN)
MEETING_SEEN = roles(404, itd=200, coordinator=200, member=200, anonymous=LOGIN)
MEETING_RUN = roles(404, itd=200, coordinator=200, member=403, anonymous=LOGIN)
MEETING_RUN_FORM = roles(404, itd=INVALID, coordinator=INVALID, member=403, anonymous=LOGIN)
MEETING_RUN_DONE = roles(404, itd=DONE, coordinator=DONE, member=403, anonymous=LOGIN)
# An empty answer: the form again with its message, for whoever sees the meeting.
MEETING_ANSWER = roles(404, itd=INVALID, coordinator=INVALID, member=INVALID, anonymous=LOGIN)
# Issue 12: discussions. The rows' thread is in `space`, opened by the member; the project's is
# restricted (its own people only). A space's discussions are for its members in every role and
# ITD: other staff and guests of another space are refused (403 on the space's list: the space
# is public; 404 on a thread: it is not theirs to see). Moderation: ITD and the coordinators.
DISCUSSERS = roles(403, itd=200, coordinator=200, officer=200, member=200, anonymous=LOGIN)
DISCUSSERS_FORM = roles(
    403, itd=INVALID, coordinator=INVALID, officer=INVALID, member=INVALID, anonymous=LOGIN
)
READERS = roles(404, itd=200, coordinator=200, officer=200, member=200, anonymous=LOGIN)
READERS_FORM = roles(
    404, itd=INVALID, coordinator=INVALID, officer=INVALID, member=INVALID, anonymous=LOGIN
)
READERS_DONE = roles(404, itd=DONE, coordinator=DONE, officer=DONE, member=DONE, anonymous=LOGIN)
MODERATORS = roles(404, itd=200, coordinator=200, officer=403, member=403, anonymous=LOGIN)
MODERATORS_FORM = roles(
    404, itd=INVALID, coordinator=INVALID, officer=403, member=403, anonymous=LOGIN
)
MODERATORS_DONE = roles(404, itd=DONE, coordinator=DONE, officer=403, member=403, anonymous=LOGIN)
# The member's own post: only the member edits it.
POST_AUTHOR = roles(404, itd=403, coordinator=403, officer=403, member=200, anonymous=LOGIN)
POST_AUTHOR_FORM = roles(
    404, itd=403, coordinator=403, officer=403, member=INVALID, anonymous=LOGIN
)
# Documents (issue 12): of a space, those who see its members (staff of every authority, its
# own guests); added by its people and ITD; of the (restricted) matrix project, those who see
# it and take part. The document of the rows is the member's, in the coordinator's space.
SPACE_DOCUMENTS = roles(200, guest=403, anonymous=LOGIN)
SPACE_DOCUMENT_ADDERS = roles(
    403, itd=200, coordinator=200, officer=200, member=200, anonymous=LOGIN
)
SPACE_DOCUMENT_ADDERS_FORM = roles(
    403, itd=INVALID, coordinator=INVALID, officer=INVALID, member=INVALID, anonymous=LOGIN
)
PROJECT_DOCUMENTS = roles(200, guest=404, outsider=404, anonymous=LOGIN)
PROJECT_DOCUMENTS_FORM = roles(INVALID, guest=404, outsider=404, anonymous=LOGIN)
A_DOCUMENT = roles(200, guest=404, anonymous=LOGIN)
DOCUMENT_ADDERS = {**A_DOCUMENT, "outsider": 403}
DOCUMENT_ADDERS_FORM = {**roles(INVALID, guest=404, anonymous=LOGIN), "outsider": 403}
DOCUMENT_DELETERS = roles(403, itd=200, coordinator=200, member=200, guest=404, anonymous=LOGIN)
DOCUMENT_DELETERS_DONE = roles(
    403, itd=DONE, coordinator=DONE, member=DONE, guest=404, anonymous=LOGIN
)

# Issue 17: the strategy. The rows' goal is in the coordinator's space, its measure led by the
# officer's authority; the administration reads it, the guest (of another space) does not
# (403 on the space's page: the space is public; 404 on its goals); ITD and the coordinators
# write it, the officer enters the measure's values and writes its report in the open round.
STRATEGY_READERS = roles(200, guest=404, anonymous=LOGIN)
STRATEGY_WRITERS = roles(403, itd=200, coordinator=200, guest=404, anonymous=LOGIN)
STRATEGY_WRITERS_FORM = roles(403, itd=INVALID, coordinator=INVALID, guest=404, anonymous=LOGIN)
VALUE_ENTERERS = {**STRATEGY_WRITERS, "officer": 200}
VALUE_ENTERERS_FORM = {**STRATEGY_WRITERS_FORM, "officer": INVALID}
ROUND_PEOPLE = roles(404, itd=200, coordinator=200, officer=200, anonymous=LOGIN)
ROUND_MANAGERS = roles(404, itd=200, coordinator=403, officer=403, anonymous=LOGIN)
# The round report: ITD and the coordinators of one of the round's spaces request it.
ROUND_REPORTERS = roles(404, itd=200, coordinator=200, officer=403, anonymous=LOGIN)
ROUND_REPORTERS_FORM = roles(404, itd=INVALID, coordinator=INVALID, officer=403, anonymous=LOGIN)

# API tokens: one's own list; a new token only after confirming the second factor (or the
# password) again: the test clients have not, so everyone signed in is sent to the
# re-authentication first (tests/test_tokens.py makes tokens after it). The rows' token is the
# member's: the member and ITD see and revoke it, for everyone else it does not exist.
REAUTHENTICATE = roles(302)
TOKEN_HOLDERS = roles(404, itd=200, member=200, anonymous=LOGIN)
TOKEN_HOLDERS_DONE = roles(404, itd=DONE, member=DONE, anonymous=LOGIN)

# url name -> Row
MATRIX: dict[str, Row] = {
    "home": page(None, EVERYONE),
    "dashboard": page(None, SIGNED_IN),
    # Help and glossary: plain text for everyone.
    "core:help": page(None, EVERYONE),
    "core:glossary": page(None, EVERYONE),
    "core:help_area": page("help_area", EVERYONE),
    # The health check accepts GET only, from anyone.
    "core:healthz": Row(None, EVERYONE, roles(NOT_ALLOWED), GET_ONLY),
    # Kubernetes' probes (deploy/), the same: GET only, from anyone, no session needed.
    "core:livez": Row(None, EVERYONE, roles(NOT_ALLOWED), GET_ONLY),
    "core:readyz": Row(None, EVERYONE, roles(NOT_ALLOWED), GET_ONLY),
    "spaces:list": page(None, EVERYONE),
    "spaces:detail": page("space", EVERYONE),
    "spaces:member_add": Row("space", MANAGERS, MANAGERS_FORM, GET_POST),
    "spaces:member_role": Row("membership", MANAGERS, MANAGERS_FORM, GET_POST),
    # Ending a membership is confirmed with a button: the empty POST ends it.
    "spaces:member_end": Row("membership", MANAGERS, MANAGERS_ENDED, GET_POST, BY_MANAGERS),
    "spaces:authority_list": page(None, SIGNED_IN),
    "spaces:authority_detail": page("authority", SIGNED_IN),
    "spaces:people": page(None, SIGNED_IN),
    # The member's page: staff see every active person; the guest (of another space) does not
    # share a space with the member.
    "spaces:person": page("person", roles(200, anonymous=LOGIN, guest=404)),
    # Everyone may search; each finds what they may open (tests/test_search.py).
    "search:search": page(None, EVERYONE),
    "spaces:matrix": page(None, MANAGERS),
    "admin:index": admin_page(None, roles(302, itd=200)),
    # Issue 4 (sign-in): the admin signs in through allauth (MFA, lock-out): visitors are sent
    # there, ITD on to the admin, everyone else signed in is refused.
    "admin:login": admin_page(None, roles(403, itd=302, anonymous=302)),
    "access:account_security": page(None, SIGNED_IN),
    "admin:password_change": admin_page(None, roles(302)),
    # Issue 4: invitations, personal data, legal pages. The link from the e-mail: the empty
    # form (password, consent) is refused; a signed-in account is the wrong one.
    "access:invitation_accept": Row(
        "invitation_token",
        roles(403, anonymous=200),
        roles(403, anonymous=INVALID),
        GET_POST,
    ),
    "access:invitation_list": page(None, ITD_ONLY),
    "access:invitation_space_list": page("space", MANAGERS),
    "access:invitation_space_create": Row("space", MANAGERS, MANAGERS_FORM, GET_POST),
    "access:invitation_project_list": page("project", PROJECT_INVITERS),
    "access:invitation_project_create": Row(
        "project", PROJECT_INVITERS, PROJECT_INVITERS_FORM, GET_POST
    ),
    # Resend and revoke are confirmed with a button; a pending invitation cannot be ended
    # (only an accepted access), and the new end date is required.
    "access:invitation_resend": Row(
        "invitation", INVITATION_MANAGERS, INVITATION_MANAGERS_DONE, GET_POST, BY_MANAGERS
    ),
    "access:invitation_revoke": Row(
        "invitation", INVITATION_MANAGERS, INVITATION_MANAGERS_DONE, GET_POST, BY_MANAGERS
    ),
    "access:invitation_extend": Row(
        "invitation", INVITATION_MANAGERS, INVITATION_MANAGERS_FORM, GET_POST
    ),
    "access:invitation_end_access": Row(
        "invitation", INVITATION_MANAGERS, INVITATION_MANAGERS_FORM, GET_POST
    ),
    # Every field of the profile is optional: the empty POST saves an empty profile.
    "contacts:my_profile": Row(None, SIGNED_IN, SIGNED_IN_DONE, GET_POST, SIGNED_IN_ROLES),
    "contacts:my_data": page(None, SIGNED_IN),
    "contacts:my_data_export": Row(None, SIGNED_IN, SIGNED_IN_GET_ONLY, GET_ONLY),
    # Deleting the account needs the password.
    "contacts:my_data_delete": Row(None, SIGNED_IN, SIGNED_IN_FORM, GET_POST),
    "core:privacy": page(None, EVERYONE),
    "core:legal_notice": page(None, EVERYONE),
    "core:accessibility": page(None, EVERYONE),
    "core:terms": page(None, EVERYONE),
    # Issue 3: projects and budgets. The project of the rows is restricted, in `space` and led
    # by the officer's authority: ITD and its own people see it, guests and other staff not.
    "projects:list": page(None, EVERYONE),
    "projects:export": page("csv", EVERYONE),
    "projects:budget_export": page("csv", roles(200, guest=403, outsider=403, anonymous=LOGIN)),
    "projects:create": Row(None, PROJECT_CREATORS, PROJECT_CREATORS_FORM, GET_POST),
    "projects:cost_rates": Row(None, ITD_ONLY, ITD_ONLY_FORM, GET_POST),
    "projects:programme_budget": Row(None, ITD_ONLY, ITD_ONLY_FORM, GET_POST),
    "projects:detail": page("project", roles(200, guest=404, outsider=404, anonymous=404)),
    "projects:edit": Row("project", PROJECT_EDITORS, PROJECT_EDITORS_FORM, GET_POST),
    # Deleting a project needs the version the confirmation page was read at.
    "projects:delete": Row("project", PROJECT_EDITORS, PROJECT_EDITORS_FORM, GET_POST),
    "projects:milestones": Row("project", PROJECT_EDITORS, PROJECT_EDITORS_FORM, GET_POST),
    # Deleting a milestone or a link is confirmed with a button.
    "projects:milestone_delete": Row(
        "milestone", PROJECT_EDITORS, PROJECT_EDITORS_DELETED, GET_POST, BY_PROJECT_EDITORS
    ),
    "projects:link_delete": Row(
        "link", PROJECT_EDITORS, PROJECT_EDITORS_DELETED, GET_POST, BY_PROJECT_EDITORS
    ),
    "projects:budget": Row("project", BUDGET_EDITORS, BUDGET_EDITORS_FORM, GET_POST),
    # Deleting a budget line needs the version the confirmation page was read at.
    "projects:budget_line_delete": Row(
        "budget_line", BUDGET_EDITORS, BUDGET_EDITORS_FORM, GET_POST
    ),
    # Notifications: one's own notices; the filter of "mark all read" may be empty (all).
    "notifications:list": page(None, SIGNED_IN),
    # The notice of the rows belongs to the member: only the member's are marked read.
    "notifications:read_all": post_only(None, SIGNED_IN_DONE, frozenset({"member"})),
    "notifications:read": post_only(
        "notification", roles(404, member=DONE, anonymous=LOGIN), frozenset({"member"})
    ),
    "notifications:preferences": Row(None, SIGNED_IN, SIGNED_IN_FORM, GET_POST),
    # The signed link of an e-mail works for whoever holds it (RFC 8058 one-click).
    "notifications:unsubscribe": Row(
        "unsubscribe_token", EVERYONE, roles(DONE), GET_POST, frozenset(ROLES)
    ),
    "notifications:unsubscribed": page(None, EVERYONE),
    "notifications:failed": page(None, ITD_ONLY),
    "notifications:failed_retry_all": post_only(
        None, roles(403, itd=DONE, anonymous=LOGIN), frozenset({"itd"})
    ),
    "notifications:failed_retry": Row(
        "failed_notification",
        ITD_ONLY,
        roles(403, itd=DONE, anonymous=LOGIN),
        GET_POST,
        frozenset({"itd"}),
    ),
    "meetings:space_list": page("space", SPACE_PEOPLE),
    "meetings:create": Row("space", MANAGERS, MANAGERS_FORM, GET_POST),
    "meetings:mine": page(None, SIGNED_IN),
    "meetings:detail": page("meeting", MEETING_SEEN),
    "meetings:ics": page("meeting", MEETING_SEEN),
    "meetings:edit": Row("meeting", MEETING_RUN, MEETING_RUN_FORM, GET_POST),
    # The minutes are optional: the empty POST saves empty minutes (the row's are empty).
    "meetings:minutes": Row("meeting", MEETING_RUN, MEETING_RUN_DONE, GET_POST),
    # Cancelling is confirmed with a button: the empty POST cancels.
    "meetings:cancel": Row(
        "meeting", MEETING_RUN, MEETING_RUN_DONE, GET_POST, frozenset({"itd", "coordinator"})
    ),
    "meetings:answer": Row(
        "meeting", roles(NOT_ALLOWED, anonymous=LOGIN), MEETING_ANSWER, frozenset({"POST"})
    ),
    # Issue 22: the files of the agenda and minutes. Downloaded by who sees the meeting; removed
    # by who runs it, confirmed with a button (the empty POST removes).
    "meetings:file_download": page("meeting_file", MEETING_SEEN),
    "meetings:file_remove": Row(
        "meeting_file", MEETING_RUN, MEETING_RUN_DONE, GET_POST, frozenset({"itd", "coordinator"})
    ),
    "meetings:feed_page": page(None, SIGNED_IN),
    # A new secret address for everyone who asks; revoking: the member has a feed to revoke.
    "meetings:feed_renew": post_only(None, SIGNED_IN_DONE, SIGNED_IN_ROLES),
    "meetings:feed_revoke": post_only(None, SIGNED_IN_DONE, frozenset({"member"})),
    # The feed: the secret token is the credential, for whoever holds it (no session needed).
    "meetings:feed": Row("feed_token", EVERYONE, roles(NOT_ALLOWED), GET_ONLY),
    "tokens:list": page(None, SIGNED_IN),
    "tokens:create": Row(None, REAUTHENTICATE, REAUTHENTICATE, GET_POST),
    "tokens:all": page(None, ITD_ONLY),
    # Issue 19: one's own roles from the identity provider; ITD's table of claims and roles.
    "identity:mine": page(None, SIGNED_IN),
    "identity:claims": Row(None, ITD_ONLY, ITD_ONLY_FORM, GET_POST),
    "identity:claim_delete": Row(
        "claim_rule", ITD_ONLY, roles(403, itd=DONE, anonymous=LOGIN), GET_POST, frozenset({"itd"})
    ),
    "identity:grants": page(None, ITD_ONLY),
    # The start of a sign-in through a provider (a POST from the sign-in page, for everyone):
    # no provider of that name is configured in the tests, so 404.
    "identity:provider_login": Row("provider", roles(NOT_ALLOWED), roles(404), frozenset({"POST"})),
    # allauth's callback (any method, as allauth's own) and the provider's back-channel logout
    # (a POST with a logout token, which an empty body is not: 400; tests/test_identity_logout.py).
    "identity:provider_callback": Row("provider", roles(404), roles(404), ANY_METHOD),
    "identity:backchannel_logout": Row(
        "provider", roles(NOT_ALLOWED), roles(400), frozenset({"POST"})
    ),
    "tokens:revoke": Row(
        "api_token", TOKEN_HOLDERS, TOKEN_HOLDERS_DONE, GET_POST, frozenset({"itd", "member"})
    ),
    "discussions:space_threads": page("space", DISCUSSERS),
    "discussions:space_thread_new": Row("space", DISCUSSERS, DISCUSSERS_FORM, GET_POST),
    "discussions:project_threads": page("project", READERS),
    "discussions:project_thread_new": Row("project", READERS, READERS_FORM, GET_POST),
    # Whom one can mention: a search among the readers, for the readers.
    "discussions:space_mention": page("space", DISCUSSERS),
    "discussions:project_mention": page("project", READERS),
    # The thread page; its POST is the reply (an empty one: the form with its message).
    "discussions:thread": Row("thread", READERS, READERS_FORM, GET_POST),
    # The member opened the thread and follows it already: following changes nothing for her.
    "discussions:follow": post_only(
        "thread", READERS_DONE, frozenset({"itd", "coordinator", "officer"})
    ),
    "discussions:unfollow": post_only("thread", READERS_DONE, frozenset({"member"})),
    "discussions:thread_hide": Row("thread", MODERATORS, MODERATORS_FORM, GET_POST),
    # The thread is neither hidden nor locked: showing it again or opening it changes nothing.
    "discussions:thread_unhide": post_only("thread", MODERATORS_DONE, frozenset()),
    "discussions:thread_lock": post_only(
        "thread", MODERATORS_DONE, frozenset({"itd", "coordinator"})
    ),
    "discussions:thread_unlock": post_only("thread", MODERATORS_DONE, frozenset()),
    # The address of one post leads to its page of the thread.
    "discussions:post": Row(
        "post",
        roles(404, itd=302, coordinator=302, officer=302, member=302, anonymous=LOGIN),
        SIGNED_IN_GET_ONLY,
        GET_ONLY,
    ),
    "discussions:post_edit": Row("post", POST_AUTHOR, POST_AUTHOR_FORM, GET_POST),
    "discussions:post_history": page("post", MODERATORS),
    "discussions:post_hide": Row("post", MODERATORS, MODERATORS_FORM, GET_POST),
    "discussions:post_unhide": post_only("post", MODERATORS_DONE, frozenset()),
    "documents:space": page("space", SPACE_DOCUMENTS),
    "documents:space_new": Row(
        "space", SPACE_DOCUMENT_ADDERS, SPACE_DOCUMENT_ADDERS_FORM, GET_POST
    ),
    "documents:project": page("project", PROJECT_DOCUMENTS),
    "documents:project_new": Row("project", PROJECT_DOCUMENTS, PROJECT_DOCUMENTS_FORM, GET_POST),
    "documents:detail": page("document", A_DOCUMENT),
    "documents:version_new": Row("document", DOCUMENT_ADDERS, DOCUMENT_ADDERS_FORM, GET_POST),
    "documents:download": page("document_version", A_DOCUMENT),
    # Deleting is confirmed with a button: the empty POST deletes (marks deleted).
    "documents:delete": Row(
        "document",
        DOCUMENT_DELETERS,
        DOCUMENT_DELETERS_DONE,
        GET_POST,
        frozenset({"itd", "coordinator", "member"}),
    ),
    "reports:archive": Row(None, REPORT_ARCHIVE, REPORT_ARCHIVE_FORM, GET_POST),
    "reports:status": page(None, REPORT_ARCHIVE),
    "reports:detail": page("report", SPACE_REPORT),
    "reports:download": page("report", SPACE_REPORT),
    "reports:delete": Row(
        "report",
        SPACE_REPORT,
        roles(404, itd=DONE, coordinator=DONE, anonymous=LOGIN),
        GET_POST,
        frozenset({"itd", "coordinator"}),
    ),
    "reports:schedules": page(None, ITD_ONLY),
    "reports:schedule_new": Row(None, ITD_ONLY, ITD_ONLY_FORM, GET_POST),
    "reports:schedule_edit": Row("schedule", ITD_ONLY, ITD_ONLY_FORM, GET_POST),
    "reports:schedule_delete": Row(
        "schedule",
        ITD_ONLY,
        roles(403, itd=DELETED, anonymous=LOGIN),
        GET_POST,
        frozenset({"itd"}),
    ),
    "strategy:index": page(None, SIGNED_IN),
    "strategy:space": page("space", roles(200, guest=403, anonymous=LOGIN)),
    "strategy:goal_create": Row("space", MANAGERS, MANAGERS_FORM, GET_POST),
    "strategy:goal": page("strategy_goal", STRATEGY_READERS),
    "strategy:goal_edit": Row("strategy_goal", STRATEGY_WRITERS, STRATEGY_WRITERS_FORM, GET_POST),
    "strategy:measure_create": Row(
        "strategy_goal", STRATEGY_WRITERS, STRATEGY_WRITERS_FORM, GET_POST
    ),
    "strategy:indicator_create": Row(
        "strategy_goal", STRATEGY_WRITERS, STRATEGY_WRITERS_FORM, GET_POST
    ),
    "strategy:measure": page("strategy_measure", STRATEGY_READERS),
    "strategy:measure_edit": Row(
        "strategy_measure", STRATEGY_WRITERS, STRATEGY_WRITERS_FORM, GET_POST
    ),
    "strategy:indicator": page("strategy_indicator", STRATEGY_READERS),
    "strategy:indicator_edit": Row(
        "strategy_indicator", STRATEGY_WRITERS, STRATEGY_WRITERS_FORM, GET_POST
    ),
    "strategy:value_add": Row("strategy_indicator", VALUE_ENTERERS, VALUE_ENTERERS_FORM, GET_POST),
    "strategy:rounds": page(None, REPORT_ARCHIVE),
    "strategy:round_open": Row(None, ITD_ONLY, ITD_ONLY_FORM, GET_POST),
    "strategy:round": page("strategy_round", ROUND_PEOPLE),
    # Freezing needs its confirmation: the empty POST is refused with the message.
    "strategy:round_freeze": Row(
        "strategy_round",
        ROUND_MANAGERS,
        roles(404, itd=INVALID, coordinator=403, officer=403, anonymous=LOGIN),
        GET_POST,
    ),
    "strategy:round_compare": page("strategy_round", ROUND_MANAGERS),
    "strategy:round_export": page("strategy_round", ROUND_PEOPLE),
    # The officers deliver their figures as a file; an empty upload is refused with the message.
    "strategy:round_import": Row(
        "strategy_round",
        roles(404, itd=403, coordinator=403, officer=200, anonymous=LOGIN),
        roles(404, itd=403, coordinator=403, officer=INVALID, anonymous=LOGIN),
        GET_POST,
    ),
    # The round report's request (scope and format): the empty POST is refused with messages.
    "strategy:round_report": Row("strategy_round", ROUND_REPORTERS, ROUND_REPORTERS_FORM, GET_POST),
    # The officer's draft: an empty POST saves the (empty) draft; the others only read it.
    "strategy:submission": Row(
        "strategy_submission",
        ROUND_PEOPLE,
        roles(404, itd=403, coordinator=403, officer=DONE, anonymous=LOGIN),
        GET_POST,
        frozenset({"officer"}),
    ),
    # The coordinator's note may be empty: saved as it is.
    "strategy:submission_note": post_only(
        "strategy_submission",
        roles(404, itd=403, coordinator=DONE, officer=403, anonymous=LOGIN),
        frozenset({"coordinator"}),
    ),
    # A review needs its decision: the empty POST is refused with the message.
    "strategy:submission_review": post_only(
        "strategy_submitted",
        roles(404, itd=INVALID, coordinator=403, officer=403, anonymous=LOGIN),
        frozenset(),
    ),
    # Open data: the page, the catalog and the files for everyone (citizens too); marking and
    # withdrawing for ITD alone.
    "opendata:index": page(None, EVERYONE),
    "opendata:catalog_ttl": page(None, EVERYONE),
    "opendata:catalog_jsonld": page(None, EVERYONE),
    "opendata:csv": page("opendata_dataset", EVERYONE),
    "opendata:csv_metadata": page("opendata_dataset", EVERYONE),
    "opendata:json": page("opendata_dataset", EVERYONE),
    "opendata:manage": page(None, ITD_ONLY),
    "opendata:publish": Row(None, ITD_ONLY, ITD_ONLY_FORM, GET_POST),
    "opendata:withdraw": post_only(
        "opendata_publication", roles(403, itd=DONE, anonymous=LOGIN), frozenset({"itd"})
    ),
    # Leichte Sprache and DGS: the pages, videos, captions and transcripts for everyone; the
    # button that asks for a translation for everyone too (no sign-in; an empty wish is
    # refused, 400); editing, sign-off, uploads and the count of wishes for ITD alone.
    "inclusion:easy": page(None, EVERYONE),
    "inclusion:sign": page(None, EVERYONE),
    "inclusion:video": page("inclusion_video", EVERYONE),
    "inclusion:captions": page("inclusion_video", EVERYONE),
    "inclusion:transcript": page("inclusion_video", EVERYONE),
    "inclusion:request": Row(None, roles(NOT_ALLOWED), roles(INVALID), frozenset({"POST"})),
    "inclusion:manage": page(None, ITD_ONLY),
    "inclusion:text_edit": Row("inclusion_item", ITD_ONLY, ITD_ONLY_FORM, GET_POST),
    "inclusion:sign_off": Row("inclusion_item", ITD_ONLY, ITD_ONLY_FORM, GET_POST),
    "inclusion:video_upload": Row("inclusion_item", ITD_ONLY, ITD_ONLY_FORM, GET_POST),
}

# Issue 18: the API. The same rules as the pages, in the API's words: what a caller may not
# see is 404, what it sees but may not do 403; anonymous writes are 401 (no token); a method an
# address does not offer is 405. An empty POST is refused with the field messages (400) where
# the caller may write at all; the budget lines and milestones are checked against their
# project, named in the body, so every signed-in caller gets the 400 first.
UNAUTHORISED = 401
API_READ_ONLY = roles(NOT_ALLOWED, anonymous=UNAUTHORISED)
API_INVALID = roles(INVALID, anonymous=UNAUTHORISED)
API_PROJECT = roles(200, guest=404, outsider=404, anonymous=404)
API_FOR_SIGNED_IN = roles(200, anonymous=404)
API_STRATEGY = roles(200, guest=404, anonymous=404)


def api_reading(builder: str | None, get: dict[str, int], *writes: str) -> Row:
    """An API address: GET as the rules say; POST 405 (401 for anonymous: no token)."""
    return Row(builder, get, API_READ_ONLY, frozenset({"GET", *writes}))


def api_list(get: dict[str, int], post: dict[str, int] | None = None) -> Row:
    """An API list; with `post`, it takes new objects (the empty body refused)."""
    if post is None:
        return api_reading(None, get)
    return Row(None, get, post, GET_POST)


MATRIX.update(
    {
        "api:guide": page(None, EVERYONE),
        "api:docs": page(None, EVERYONE),
        "api:root": Row(None, EVERYONE, roles(NOT_ALLOWED), GET_ONLY),
        "api:schema": Row(None, EVERYONE, roles(NOT_ALLOWED), GET_ONLY),
        "api:space-list": api_list(EVERYONE),
        "api:space-detail": api_reading("space", EVERYONE),
        "api:authority-list": api_list(EVERYONE),
        "api:authority-detail": api_reading("authority", API_FOR_SIGNED_IN),
        "api:person-list": api_list(EVERYONE),
        "api:person-detail": api_reading("person", roles(200, guest=404, anonymous=404)),
        "api:project-list": api_list(
            EVERYONE,
            roles(403, itd=INVALID, coordinator=INVALID, officer=INVALID, anonymous=UNAUTHORISED),
        ),
        "api:project-detail": api_reading("project", API_PROJECT, "PUT", "PATCH", "DELETE"),
        "api:project-budget": api_reading("project", API_PROJECT),
        "api:budget": api_list(EVERYONE),
        "api:budget-line-list": api_list(EVERYONE, API_INVALID),
        "api:budget-line-detail": api_reading("api_line", API_PROJECT, "PUT", "PATCH"),
        "api:milestone-list": api_list(EVERYONE, API_INVALID),
        "api:milestone-detail": api_reading("api_milestone", API_PROJECT, "PUT", "PATCH"),
        "api:meeting-list": api_list(EVERYONE),
        "api:meeting-detail": api_reading(
            "meeting", roles(404, itd=200, coordinator=200, member=200)
        ),
        "api:goal-list": api_list(EVERYONE),
        "api:goal-detail": api_reading("strategy_goal", API_STRATEGY),
        "api:measure-list": api_list(EVERYONE),
        "api:measure-detail": api_reading("strategy_measure", API_STRATEGY),
        "api:indicator-list": api_list(EVERYONE),
        "api:indicator-detail": api_reading("strategy_indicator", API_STRATEGY),
        # A new value: the indicator's writers and the measure's officers (POST only).
        "api:indicator-values": Row(
            "strategy_indicator",
            roles(NOT_ALLOWED),
            roles(
                403,
                itd=INVALID,
                coordinator=INVALID,
                officer=INVALID,
                guest=404,
                anonymous=UNAUTHORISED,
            ),
            frozenset({"POST"}),
        ),
        "api:report-list": api_list(
            EVERYONE,
            roles(403, itd=INVALID, coordinator=INVALID, officer=INVALID, anonymous=UNAUTHORISED),
        ),
        "api:report-detail": api_reading("report", roles(404, itd=200, coordinator=200)),
        "api:report-download": api_reading("report", roles(404, itd=200, coordinator=200)),
    }
)


# Issue 19: provisioning by SCIM 2.0 (/scim/v2/). For the identity management's own bearer token
# only: a session of any role, and no token at all, gets 401 with a SCIM error body for every
# method (the token check wraps the views, before the method is looked at), and nothing changes.
# What the token may do, method by method, is tested in tests/test_provisioning.py and against
# RFC 7643/7644 by scim2-tester (tests/test_provisioning_conformance.py).
SCIM_ONLY = Row(None, roles(UNAUTHORISED), roles(UNAUTHORISED), ANY_METHOD)
MATRIX.update(
    {
        f"provisioning:{name}": SCIM_ONLY
        for name in (
            "root",
            "search",
            "bulk",
            "me",
            "users",
            "users-search",
            "groups",
            "groups-search",
            "service-provider-config",
            "resource-types",
            "schemas",
            "unknown",
        )
    }
)


def _project_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                module = getattr(p.callback, "__module__", "")
                if module.startswith(PROJECT_APPS):
                    names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_project_url_has_a_row():
    missing = _project_url_names() - set(MATRIX)
    assert not missing, f"URLs without a row in the permission matrix: {sorted(missing)}"


def test_every_row_names_every_role_for_every_method():
    incomplete = [
        f"{name} {method}: {sorted(set(ROW_ROLES) - set(row.expected(method)))}"
        for name, row in sorted(MATRIX.items())
        for method in METHODS
        if not set(ROW_ROLES) <= set(row.expected(method))
    ]
    assert not incomplete, f"rows without an expectation for some roles: {incomplete}"
    for name, row in MATRIX.items():
        assert "GET" in row.methods or row.methods == {"POST"}, name
        token = name == "notifications:unsubscribe"  # the signed link is the authority
        assert token or row.acts <= SIGNED_IN_ROLES, f"{name}: only signed-in roles can act"
        # A page that refuses POST answers 405 (or sends visitors to the sign-in first).
        if "POST" not in row.methods:
            assert set(row.post.values()) <= {NOT_ALLOWED, LOGIN, UNAUTHORISED}, name


@dataclasses.dataclass(frozen=True)
class World:
    """What the matrix's tests share: the accounts of the roles, the URL arguments of every
    row, a session per signed-in role and the directories of the world's files."""

    roles: dict[str, User | None]
    url_kwargs: dict[str, dict]
    sessions: dict[str, str]
    files: Path  # the world's files (documents, reports, videos): each test gets a copy

    def client(self, role: str) -> Client:
        """A client of its own per test (a sign-out in one test cannot sign the next one out),
        signed in with the role's session of the world."""
        client = Client()
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def _build_world(files: Path) -> World:
    roles = make_all_roles()
    assert set(roles) == set(ROLES)
    sessions = {
        role: client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        for role, user in roles.items()
        if user is not None
    }
    space, authority = the_space(), the_authority()
    kwargs = _url_kwargs(space, authority, roles["member"], roles["coordinator"])
    db_fingerprint()  # the world's tables hashed once, kept while no request writes them
    return World(roles, kwargs, sessions, files)


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The matrix's world, built once for its ~460 tests (building it took longer than a test's
    requests), rolled back after them (`kept_world`)."""
    files = tmp_path_factory.mktemp("matrix")
    yield from kept_world(django_db_blocker, lambda: _build_world(files), **files_under(files))


@pytest.fixture
def matrix(world, settings, tmp_path, _portal_test_settings):
    """The world for one test, with a copy of its files: deleting a file is not undone by the
    rollback, so a request that deletes one must not take it from the tests after it."""
    copy = tmp_path / "world"
    shutil.copytree(world.files, copy)
    for name, value in files_under(copy).items():
        setattr(settings, name, value)
    return world


@pytest.fixture
def url_kwargs(space, authority, member, coordinator):
    """The URL arguments of every row on a test's own objects (tests/test_api_tokens.py)."""
    return _url_kwargs(space, authority, member, coordinator)


def _url_kwargs(space, authority, member, coordinator) -> dict:
    from .factories import make_invitation

    membership = Membership.objects.get(person__user=member, space=space)
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    kwargs = {
        "invitation": {"pk": invitation.pk},
        "invitation_token": {"token": token},
        **_notification_kwargs(member),
        "space": {"slug": space.slug},
        "membership": {"slug": space.slug, "pk": membership.pk},
        "person": {"pk": membership.person_id},
        "authority": {"code": authority.code},
        "help_area": {"area": "projects"},
        **_project_kwargs(space, authority),
        **_report_kwargs(space, coordinator),
        **_meeting_kwargs(space, member),
        **_discussion_kwargs(space, member),
        **_document_kwargs(space, member),
        **_strategy_kwargs(space, authority),
        **_token_kwargs(member),
        **_opendata_kwargs(),
        **_identity_kwargs(),
        **_inclusion_kwargs(),
    }
    kwargs["api_line"] = {"pk": kwargs["budget_line"]["pk"]}
    kwargs["api_milestone"] = {"pk": kwargs["milestone"]["pk"]}
    return kwargs


def _identity_kwargs() -> dict:
    from identity.models import ClaimRule, Grants

    rule = ClaimRule.objects.create(claim="fhh-itd", grants=Grants.ITD)
    return {"claim_rule": {"pk": rule.pk}, "provider": {"provider_id": "fhh"}}


def _inclusion_kwargs() -> dict:
    """A video of the first item (a stand-in file: the matrix asks who may fetch it, ffprobe's
    checks are tested in tests/test_inclusion.py)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from inclusion.models import Video

    name = storages["inclusion_videos"].save("inhalt-matrix.mp4", ContentFile(b"video"))
    Video.objects.create(
        item="inhalt",
        file_name=name,
        content_type="video/mp4",
        size=5,
        width=320,
        height=240,
        fps=25,
        duration=1,
        captions="WEBVTT\n\n00:00.000 --> 00:01.000\nHallo\n",
        transcript="Hallo",
    )
    return {"inclusion_item": {"item": "inhalt"}, "inclusion_video": {"item": "inhalt"}}


def _opendata_kwargs() -> dict:
    from opendata.models import Category, Kind, Publication

    publication = Publication.objects.create(
        kind=Kind.BUDGET,
        slug="programmbudget",
        title="Programmbudget",
        description="Je Haushaltsjahr",
        category=Category.BUDGET_PLANS,
    )
    return {
        "opendata_dataset": {"slug": publication.slug},
        "opendata_publication": {"pk": publication.pk},
    }


def _token_kwargs(member) -> dict:
    from django.utils import timezone

    from tokens.services import token_create

    token, _plain = token_create(
        actor=member,
        name="Matrix-Token",
        can_write=False,
        expires_on=timezone.localdate() + dt.timedelta(days=30),
    )
    return {"api_token": {"pk": token.pk}}


def _strategy_kwargs(space, authority) -> dict:
    from strategy.models import Measure, Round, Submission

    from .factories import strategy_tree

    goal, measure, (_of_goal, indicator) = strategy_tree(space=space, authority=authority)
    second = Measure.objects.create(
        goal=goal,
        code="G.2",
        title="Zweite",
        lead_authority=authority,
        starts_on=measure.starts_on,
        ends_on=measure.ends_on,
    )
    rounds = [
        Round.objects.create(name=name, period_start=start, period_end=end, deadline=end)
        for name, start, end in (
            ("2026/1", dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
            ("2025/2", dt.date(2025, 7, 1), dt.date(2025, 12, 31)),
        )
    ]
    for round_ in rounds:
        round_.spaces.add(space)
    draft = Submission.objects.create(round=rounds[0], measure=measure)
    submitted = Submission.objects.create(
        round=rounds[0], measure=second, status=Submission.Status.SUBMITTED
    )
    return {
        "strategy_goal": {"pk": goal.pk},
        "strategy_measure": {"pk": measure.pk},
        "strategy_indicator": {"pk": indicator.pk},
        "strategy_round": {"pk": rounds[0].pk},
        "strategy_submission": {"pk": draft.pk},
        "strategy_submitted": {"pk": submitted.pk},
    }


def _document_kwargs(space, member) -> dict:
    from django.core.files.base import ContentFile

    from documents.demo import tiny_pdf
    from documents.models import Document, DocumentVersion
    from documents.storage import document_storage

    name = document_storage.save("documents/matrix.pdf", ContentFile(tiny_pdf("Matrix")))
    document = Document.objects.create(space=space, title="Matrix-Protokoll", created_by=member)
    DocumentVersion.objects.create(
        document=document,
        number=1,
        file=name,
        original_name="protokoll.pdf",
        extension="pdf",
        content_type="application/pdf",
        size=document_storage.size(name),
        sha256="0" * 64,
        uploaded_by=member,
    )
    return {
        "document": {"pk": document.pk},
        "document_version": {"pk": document.pk, "number": 1},
    }


def _meeting_kwargs(space, member) -> dict:
    from django.core.files.base import ContentFile

    from documents.demo import tiny_pdf
    from meetings.models import MeetingFile, file_storage
    from meetings.services import feed_renew

    from .factories import make_meeting

    meeting = make_meeting(space=space, invitees=[member], title="Matrix-Termin")
    name = file_storage().save("meetings/matrix.pdf", ContentFile(tiny_pdf("Matrix")))
    row = MeetingFile.objects.create(
        meeting=meeting,
        part=MeetingFile.Part.AGENDA,
        file=name,
        original_name="tagesordnung.pdf",
        content_type="application/pdf",
        size=file_storage().size(name),
        sha256="0" * 64,
    )
    return {
        "meeting": {"pk": meeting.pk},
        "meeting_file": {"pk": meeting.pk, "file": row.pk},
        "feed_token": {"token": feed_renew(actor=member)},
    }


def _discussion_kwargs(space, member) -> dict:
    from discussions import services

    thread = services.thread_start(
        actor=member, where=space, title="Matrix-Diskussion", body="Erster Beitrag"
    )
    return {"thread": {"pk": thread.pk}, "post": {"pk": thread.posts.get().pk}}


def _report_kwargs(space, coordinator) -> dict:
    from django.core.files.base import ContentFile

    from reports.models import Report, ReportSchedule, report_storage

    name = report_storage.save("matrix/bericht.csv", ContentFile(b"Projekt;Plan\r\n"))
    report = Report.objects.create(
        kind="lines",
        format="csv",
        scope="space",
        space=space,
        requested_by=coordinator,
        status="ready",
        file=name,
        filename="bericht.csv",
        size=14,
    )
    schedule = ReportSchedule.objects.create(
        title="Monatlich", kind="budget", format="xlsx", scope="programme", cadence="monthly"
    )
    return {"report": {"pk": report.pk}, "schedule": {"pk": schedule.pk}}


def _notification_kwargs(member) -> dict:
    from notifications.kinds import Kind
    from notifications.models import MailStatus, Notification
    from notifications.services import unsubscribe_token

    notice = Notification.objects.create(
        recipient=member, email=member.email, kind=Kind.PROJECT_CREATED, title="Neu", url="/"
    )
    failed = Notification.objects.create(
        recipient=member,
        email=member.email,
        kind=Kind.PROJECT_HEALTH,
        title="Fehlgeschlagen",
        mail_status=MailStatus.FAILED,
    )
    return {
        "notification": {"pk": notice.pk},
        "failed_notification": {"kind": "notification", "pk": failed.pk},
        "unsubscribe_token": {"token": unsubscribe_token(member, Kind.PROJECT_CREATED)},
    }


def _project_kwargs(space, authority) -> dict:
    from projects.models import Milestone, ProjectLink

    from .factories import ProjectFactory, budget_line

    project = ProjectFactory.create(
        slug="matrix-projekt",
        primary_space=space,
        lead_authority=authority,
        visibility="restricted",
    )
    line = budget_line(project, 2026, planned=1000)
    milestone = Milestone.objects.create(project=project, title="Start", due="2026-03-01")
    link = ProjectLink.objects.create(project=project, title="Web", url="https://example.org")
    slug = project.slug
    return {
        "csv": {"fmt": "csv"},
        "project": {"slug": slug},
        "milestone": {"slug": slug, "pk": milestone.pk},
        "link": {"slug": slug, "pk": link.pk},
        "budget_line": {"slug": slug, "pk": line.pk},
    }


def _url(name: str, url_kwargs: dict) -> str:
    builder = MATRIX[name].builder
    return reverse(name, kwargs=url_kwargs[builder] if builder else None)


def _answer(client: Client, method: str, url: str, before: dict) -> tuple[int, list[str], int]:
    """One request in a savepoint that is rolled back afterwards: every role and method of a row
    meets the same database (a POST that deletes the object cannot hide it from the next role),
    and the cache starts empty as in a test of its own (rate limits count per address)."""
    cache.clear()
    mails = len(mail.outbox)
    with transaction.atomic():
        response = getattr(client, method.lower())(url)
        changed = changed_tables(before, db_fingerprint())
        transaction.set_rollback(True)
    return response.status_code, changed, len(mail.outbox) - mails


def check_row(name: str, world: World) -> None:
    """Every role with every method on the row's URL (one test per URL, all its answers listed
    when it fails): the status the matrix expects, a change where the role may act, none where
    it may not, and no mail from a refused request."""
    row = MATRIX[name]
    url = _url(name, world.url_kwargs)
    clients = {role: world.client(role) for role in ROLES}
    before = db_fingerprint()
    wrong = []
    for method in METHODS:
        expected = row.expected(method)
        for role in ROLES:
            want = expected.get(role, expected["anonymous"])  # guest_ended: as anonymous
            status, changed, mails = _answer(clients[role], method, url, before)
            acts = method == "POST" and role in row.acts
            if status != want:
                wrong.append(f"{role} {method}: {status}, expected {want}")
            elif acts and not changed:
                wrong.append(f"{role} {method}: answered {status}, but nothing was done")
            elif not acts and (changed or mails):
                wrong.append(f"{role} {method}: changed {changed}, {mails} mail(s)")
    assert not wrong, f"{url}: " + "; ".join(wrong)


def _user_of_the_page(row: Row) -> str:
    """A role that may use the page (200 for GET), ITD if none does (the redirect pages)."""
    return next((r for r in ROW_ROLES if row.get[r] == 200), "itd")


def check_methods(name: str, world: World) -> None:
    """For a role that may use the page: every method the row does not list answers 405, every
    method it lists does not (so the row's `methods` are the view's)."""
    row = MATRIX[name]
    role = _user_of_the_page(row)
    url = _url(name, world.url_kwargs)
    client = world.client(role)
    answers = {}
    for method in ("POST", *OTHER_METHODS):
        before = db_fingerprint()
        answers[method] = getattr(client, method.lower())(url).status_code
        if method != "POST" or role not in row.acts:
            assert changed_tables(before, db_fingerprint()) == [], f"{role} {method} {url}"
    wrong = {
        method: status
        for method, status in answers.items()
        if (status == NOT_ALLOWED) != (method not in row.methods)
    }
    assert not wrong, f"{role} {url}: accepts {sorted(row.methods)}, but answered {wrong}"


# Roles that must use a second factor and have not enrolled (security audit, finding 1): they
# reach the enrolment and sign-out, nothing else, the admin included.
UNENROLLED = ("itd_unenrolled", "coordinator_unenrolled")
ENROLMENT = "/accounts/2fa/totp/activate/"
# What the enrolment leaves open (access.middleware.MFA_OPEN_VIEWS): health, the public help,
# the legal pages and the pages in Leichte Sprache and sign language.
OPEN_BEFORE_ENROLMENT = {
    "core:healthz",
    "core:livez",
    "core:readyz",
    "core:help",
    "core:help_area",
    "core:glossary",
    "core:privacy",
    "core:legal_notice",
    "core:accessibility",
    "core:terms",
    "inclusion:easy",
    "inclusion:sign",
}


@pytest.fixture
def unenrolled(db, space, itd_authority):
    from .factories import MembershipFactory, PersonFactory

    itd = PersonFactory(
        user__email="itd.ohne.faktor@test.example.org",
        user__is_itd_staff=True,
        user__is_staff=True,
        user__is_superuser=True,
        authority=itd_authority,
    ).user
    coordinator = PersonFactory(user__email="koord.ohne.faktor@test.example.org").user
    MembershipFactory(person=coordinator.person, space=space, role=Membership.Role.COORDINATOR)
    return {"itd_unenrolled": itd, "coordinator_unenrolled": coordinator}


def _admin_urls() -> list[str]:
    """Every admin page: the index, each model's list, add and change page (for one row)."""
    from django.contrib import admin

    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[row.pk]))
    return urls


def check_unenrolled(user: User, world: World) -> None:
    from allauth.mfa.models import Authenticator

    role = user.email
    client = client_for(user, enrol=False)
    assert not Authenticator.objects.filter(user=user).exists()
    urls = [_url(name, world.url_kwargs) for name in MATRIX if name not in OPEN_BEFORE_ENROLMENT]
    # The world enrolled the other ITD account: its authenticator row has an admin change page.
    assert Authenticator.objects.filter(user=world.roles["itd"]).exists()
    urls += _admin_urls()
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, f"{role} {method.upper()} {url}"
            assert response["Location"] == ENROLMENT, f"{role} {method.upper()} {url}"
    for name in OPEN_BEFORE_ENROLMENT:
        assert client.get(_url(name, world.url_kwargs)).status_code == 200, name
    # Sign-out stays open.
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("spaces:detail", {"slug": "gibt-es-nicht"}),
        ("spaces:member_add", {"slug": "gibt-es-nicht"}),
        ("spaces:member_end", {"slug": "mobilitaet-energie", "pk": 999999}),
        ("spaces:authority_detail", {"code": "GIBT-ES-NICHT"}),
    ],
)
def test_unknown_objects_answer_404(name, kwargs, itd):
    response = client_for(itd).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


def test_coordinator_cannot_manage_a_membership_of_another_space(coordinator, guest, other_space):
    membership = Membership.objects.get(person__user=guest)
    url = reverse("spaces:member_end", kwargs={"slug": other_space.slug, "pk": membership.pk})
    assert client_for(coordinator).post(url).status_code == 403
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_membership_of_another_space_is_not_found_under_this_space(itd, guest, space):
    membership = Membership.objects.get(person__user=guest)
    url = reverse("spaces:member_end", kwargs={"slug": space.slug, "pk": membership.pk})
    assert client_for(itd).get(url).status_code == 404


def test_coordinator_cannot_end_another_coordinator(coordinator, space):
    from .factories import MembershipFactory

    other = MembershipFactory(space=space, role=Membership.Role.COORDINATOR)
    url = reverse("spaces:member_end", kwargs={"slug": space.slug, "pk": other.pk})
    assert client_for(coordinator).post(url).status_code == 403
    other.refresh_from_db()
    assert other.ended_at is None


class TestMatrix:
    """The rows' tests, on one world (`world`)."""

    @pytest.mark.parametrize("name", sorted(MATRIX))
    def test_permission_matrix(self, name, matrix):
        check_row(name, matrix)

    @pytest.mark.parametrize("name", sorted(MATRIX))
    def test_methods_a_view_does_not_accept_answer_405(self, name, matrix):
        check_methods(name, matrix)

    @pytest.mark.parametrize("role", UNENROLLED)
    def test_without_second_factor_only_enrolment_and_sign_out_are_reachable(
        self, role, unenrolled, matrix
    ):
        check_unenrolled(unenrolled[role], matrix)
