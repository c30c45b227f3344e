"""The admin: a task's page shows its revision history, read-only, and working files are
listed and searchable.
"""

import html
import re

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.working_files.helpers import ARTIST, make_file

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# The admin: a task's page shows its revision history


HISTORY_COLUMNS = ("name", "revision", "human_size", "checksum", "person", "comment")


def text_of(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()


def history_of(page: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """(column headers, rows) of the revision-history inline of an admin task page."""
    start = page.index('id="working_files-heading"')
    table = page[start : page.index("</table>", start)]
    headers = [
        re.sub(r"\s+", " ", header).strip()
        for header in re.findall(r'<th class="column-[^"]*">(.*?)</th>', table, re.S)
    ]
    rows = []
    for row in re.findall(
        r'<tr class="form-row[^"]*"\s+id="working_files-\d+">(.*?)</tr>', table, re.S
    ):
        cells = dict(re.findall(r'<td class="field-([a-z_]+)">\s*<p>(.*?)</p>', row, re.S))
        rows.append(tuple(text_of(cells[column]) for column in HISTORY_COLUMNS))
    return headers, rows


def test_the_task_page_of_the_admin_shows_the_revision_history(admin, stage, make_person):
    author = make_person(ARTIST, first_name="Ada", last_name="Lovelace")
    for name, revision, size, checksum, comment in [
        ("main", 2, 4096, "b" * 64, "main second"),
        ("hotfix", 1, 1024, "c" * 64, "hotfix first"),
        ("main", 1, 2048, "a" * 64, "main first"),
    ]:
        make_file(
            stage.task,
            name,
            revision,
            size=size,
            checksum=checksum,
            comment=comment,
            person=author,
        )
    make_file(stage.modeling_task, "main", 9, comment="a revision of modeling")
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    response = browser.get(f"/admin/production/task/{stage.task.id}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Revision history" in page
    headers, rows = history_of(page)
    assert headers[: len(HISTORY_COLUMNS)] == [
        "Name",
        "Revision",
        "Size",
        "Checksum",
        "Person",
        "Comment",
    ]
    # Line by line (name), then revision by revision; only this task's revisions.
    assert rows == [
        ("hotfix", "1", "1.0\xa0KB", "c" * 64, str(author), "hotfix first"),
        ("main", "1", "2.0\xa0KB", "a" * 64, str(author), "main first"),
        ("main", "2", "4.0\xa0KB", "b" * 64, str(author), "main second"),
    ]
    assert "a revision of modeling" not in page


def test_the_revision_history_is_read_only(admin, stage):
    working_file = make_file(stage.task, "main", 1, comment="as it was")
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    page = browser.get(f"/admin/production/task/{stage.task.id}/change/").content.decode()
    assert 'name="working_files-0-comment"' not in page
    assert 'name="working_files-TOTAL_FORMS" value="1"' in page
    assert f"/admin/working_files/workingfile/{working_file.id}/change/" in page


def test_the_admin_lists_working_files(admin, stage):
    make_file(stage.task, "main", 1, checksum="d" * 64)
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    response = browser.get("/admin/working_files/workingfile/", {"q": "main"})
    assert response.status_code == 200
    assert "d" * 64 in response.content.decode()
