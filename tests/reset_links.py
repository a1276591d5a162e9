"""Both apps' e-mailed reset links, driven the same way: ask, read the mail, set a password."""

from __future__ import annotations

import re

from tests.fixtures.web import csrf_token_from
from tests.waiting import wait_until

ADDRESS = "192.0.2.70"


def ask_for_links(client, emails: list[str], query: str = "") -> list[tuple[int, str]]:
    """Each e-mail's answer on the reset page (its status and words, the e-mail itself left out)."""
    answers = []
    for email in emails:
        form = client.get(f"/account/reset{query}", environ_base={"REMOTE_ADDR": ADDRESS})
        answer = client.post(
            f"/account/reset{query}",
            data={"email": email, "csrf_token": csrf_token_from(form.text)},
            environ_base={"REMOTE_ADDR": ADDRESS},
        )
        answers.append((answer.status_code, answer.text.replace(email, "")))
    return answers


def mailed_link_path(smtp_server, recipient: str) -> str:
    """The path of the one reset link mailed so far, which went to `recipient`."""
    [mail] = wait_until(lambda: smtp_server.received, what="the reset e-mail")
    assert mail.recipients == [recipient]
    link = re.search(r"https?://\S+/account/reset/(\S+)", mail.message.get_content())
    assert link is not None
    return f"/account/reset/{link.group(1)}"


def set_by_link(client, path: str, new: str):
    token = csrf_token_from(client.get(path).text)
    return client.post(path, data={"csrf_token": token, "new_password": new, "confirm_password": new})
