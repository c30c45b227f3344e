"""gazu 1.3.1's project functions for preview background files, against the live server."""

import gazu
import pytest

from previews.models import PreviewBackgroundFile

pytestmark = pytest.mark.live


def test_project_preview_background_files(gazu_admin):
    project = gazu.project.new_project("Backgrounds")
    background = PreviewBackgroundFile.objects.create(name="studio")

    assert gazu.project.get_preview_background_files(project) == []
    answer = gazu.project.add_preview_background_file(
        project, {"preview_background_file_id": str(background.pk)}
    )
    assert answer["id"] == project["id"]
    assert answer["preview_background_files"] == [str(background.pk)]
    # (gazu memoizes the listing only when its cache is enabled: it is off by default)
    listed = gazu.project.get_preview_background_files(project)
    assert [row["id"] for row in listed] == [str(background.pk)]
    assert listed[0]["name"] == "studio"
    gazu.project.remove_preview_background_file(project, str(background.pk))
    assert gazu.project.get_preview_background_files(project) == []
