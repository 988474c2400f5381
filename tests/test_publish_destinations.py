"""``publish --to``: a file:// URL means the folder it names, as a browser or a file manager
writes it (percent-encoded), and a host where the folder should be is refused (P008)."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuepub.diagnostics import UserError
from issuepub.publish.stores import parse_destination


@pytest.mark.parametrize("text,folder", [
    ("file:///tmp/%E5%8F%91%E5%B8%83%20ting", "/tmp/发布 ting"),
    ("file:///tmp/发布 ting", "/tmp/发布 ting"),
    ("file://localhost/var/www/ting", "/var/www/ting"),
    ("/var/www/%E5%8F%91", "/var/www/%E5%8F%91"),  # a plain path is taken as written
])
def test_file_url_names_its_folder(text, folder):
    destination = parse_destination(text)
    assert destination.kind == "folder" and destination.folder == Path(folder)


def test_file_url_with_a_host_is_refused():
    with pytest.raises(UserError) as caught:
        parse_destination("file://var/www/ting")  # one slash short: "var" is read as a host
    problem = caught.value.problems[0]
    assert problem.code == "P008" and "file:///var/www/ting" in problem.fix
