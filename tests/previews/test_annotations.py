"""Annotations of a preview: update-annotations (Zou's additions, updates and deletions), the
frame number of each entry at exact frame rates, who may draw, malformed changes, the
generic PUT's wholesale list, and the ETag / If-Match of the preview's answers.

The concurrent saves run against a live server in test_annotation_race.py; gazu's function
in tests/compat/test_gazu_previews.py."""

from fractions import Fraction

import pytest

from previews import annotations, services
from previews.api import records
from previews.models import PreviewFile
from production.models import Department, Role
from tests.query_counts import SIZES, bounded
from tests.zou_bodies import FORBIDDEN, NOT_FOUND

NTSC = Fraction(24000, 1001)


def url(preview) -> str:
    return f"/api/actions/preview-files/{preview.pk}/update-annotations"


def rect(object_id: str | None = "r1", **fields) -> dict:
    shape = {"type": "rect", "left": 10, "top": 20, "width": 30, "height": 40, **fields}
    if object_id is not None:
        shape["id"] = object_id
    return shape


def entry(time, *objects) -> dict:
    return {"time": time, "drawing": {"objects": list(objects)}}


@pytest.fixture
def preview(task, comment, admin) -> PreviewFile:
    """An empty slot on a task of the 24000/1001 project (no movie yet: the project's rate)."""
    return services.add_preview_slot(task=task, comment=comment, author=admin)


@pytest.fixture
def annotate(admin_client):
    def put(preview, client=None, **body):
        return (client or admin_client).put(url(preview), body, format="json")

    return put


def stored(preview) -> list | None:
    return PreviewFile.objects.get(pk=preview.pk).annotations


def objects_at(answer: list, frame: int) -> list[str]:
    return [item["id"] for e in answer if e["frame"] == frame for item in e["drawing"]["objects"]]


# ---------------------------------------------------------------------------------------------
# Frames at exact rates (pure)


def test_time_1_001_is_frame_25_at_ntsc_rate():
    # 1.001 s is exactly 24 frame durations at 24000/1001: the 25th frame (1-based, as Zou's
    # extract-frame numbers them). As a binary float times 23.976... it is 23.99999...
    assert annotations.frame_of(1.001, NTSC) == 25
    assert annotations.frame_of("1.001", NTSC) == 25
    assert annotations.frame_of(0, NTSC) == 1
    assert annotations.frame_of(1.0, NTSC) == 25  # 23.976 frames: nearest start is the 25th


def test_frame_10000_round_trips_at_ntsc_rate():
    for frame in (1, 2, 1001, 9999, 10000, 10001, 100_000):
        seconds = float(annotations.frame_start(frame, NTSC))  # what a client sends
        assert annotations.frame_of(seconds, NTSC) == frame
        # and rounded to the millisecond, as players often write it
        assert annotations.frame_of(round(seconds, 3), NTSC) == frame


def test_frame_10000_is_not_where_a_rounded_frame_duration_puts_it():
    # The drift the frame numbers avoid: Zou's `normalize-annotation-times` divides by the
    # frame duration rounded to 4 decimals (0.0417 s at 23.976 fps), which is two frames off
    # by frame 10000.
    seconds = float(annotations.frame_start(10000, NTSC))
    assert round(seconds / 0.0417) + 1 == 10002
    assert annotations.frame_of(seconds, NTSC) == 10000


def test_times_that_are_not_numbers_have_no_frame():
    for raw in ("abc", None, True, [], {}, float("nan"), float("inf"), -1, 10**12):
        assert annotations.frame_of(raw, NTSC) is None


def test_the_stored_list_handed_in_is_left_untouched():
    before = [entry(0.5, rect("a"))]
    copy = [entry(0.5, rect("a"))]
    annotations.apply_changes(before, additions=[entry(0.5, rect("b"))], rate=NTSC)
    assert before == copy


# ---------------------------------------------------------------------------------------------
# Zou's semantics through the route (contract §5.2, §9)


def test_an_addition_lands_on_the_preview(annotate, preview, admin_client):
    response = annotate(preview, additions=[entry(1.001, rect("r1"))])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(preview.pk)
    assert "comments" not in body  # serialized without relations, as Zou answers
    assert body["annotations"] == [{"time": 1.001, "frame": 25, "drawing": {"objects": [rect()]}}]
    # and GET data/preview-files/<id> reads it back (Zou's test_update_annotations)
    read = admin_client.get(f"/api/data/preview-files/{preview.pk}").json()
    assert read["annotations"] == body["annotations"]


def test_an_addition_at_another_frame_is_a_new_entry(annotate, preview):
    annotate(preview, additions=[entry(1.001, rect("r1"))])
    body = annotate(preview, additions=[entry(2.002, rect("r2"))]).json()
    assert [(e["time"], e["frame"]) for e in body["annotations"]] == [(1.001, 25), (2.002, 49)]


def test_an_addition_on_the_same_frame_joins_it_and_a_replay_changes_nothing(annotate, preview):
    annotate(preview, additions=[entry(1.001, rect("r1"))])
    # 1.0 s is another float for the same frame 25: matched by frame, not by Zou's exact time
    body = annotate(preview, additions=[entry(1.0, rect("r2"), rect("r1", left=99))]).json()
    assert len(body["annotations"]) == 1
    assert body["annotations"][0]["time"] == 1.001  # the first entry's time is kept
    assert [o["id"] for o in body["annotations"][0]["drawing"]["objects"]] == ["r1", "r2"]
    assert body["annotations"][0]["drawing"]["objects"][0]["left"] == 10  # never overwritten
    replay = annotate(preview, additions=[entry(1.0, rect("r2"))]).json()
    assert replay["annotations"] == body["annotations"]


def test_a_time_as_a_string_names_the_same_frame(annotate, preview):
    annotate(preview, additions=[entry(0, rect("a"))])
    body = annotate(preview, additions=[entry("0", rect("b"))]).json()
    assert objects_at(body["annotations"], 1) == ["a", "b"]


def test_a_deletion_names_a_time_and_the_objects_to_drop(annotate, preview):
    annotate(preview, additions=[entry(1.001, rect("a"), rect("b")), entry(2.002, rect("c"))])
    # a wrong time or an unknown id drops nothing
    body = annotate(preview, deletions=[{"time": 3, "objects": ["a"]}]).json()
    assert objects_at(body["annotations"], 25) == ["a", "b"]
    body = annotate(preview, deletions=[{"time": 1.001, "objects": ["zzz"]}]).json()
    assert objects_at(body["annotations"], 25) == ["a", "b"]
    body = annotate(preview, deletions=[{"time": 1.001, "objects": ["a"]}]).json()
    assert objects_at(body["annotations"], 25) == ["b"]
    # the last object's deletion removes the entry
    body = annotate(preview, deletions=[{"time": 1.001, "objects": ["b"]}]).json()
    assert [e["frame"] for e in body["annotations"]] == [49]


def test_an_update_replaces_the_object_it_names_in_place(annotate, preview):
    annotate(
        preview,
        additions=[entry(1.001, rect("a"), rect("b"), rect("c")), entry(2.002, rect("a"))],
    )
    body = annotate(
        preview,
        updates=[entry(1.001, rect("b", left=77), rect("unknown")), entry(5, rect("a", left=1))],
    ).json()
    first, second = body["annotations"]
    assert [(o["id"], o["left"]) for o in first["drawing"]["objects"]] == [
        ("a", 10),
        ("b", 77),
        ("c", 10),
    ]  # the drawing order is kept (Zou moves updated objects to the end)
    assert second["drawing"]["objects"] == [rect("a")]  # other frames untouched


def test_objects_without_an_id_get_one(annotate, preview):
    body = annotate(
        preview, additions=[entry(0, rect(None), rect(""), rect(None, id=None), rect("kept"))]
    ).json()
    ids = [o["id"] for o in body["annotations"][0]["drawing"]["objects"]]
    assert ids[3] == "kept"
    assert all(isinstance(i, str) and len(i) == 36 for i in ids[:3])
    assert len(set(ids)) == 4


def test_an_empty_body_changes_nothing(annotate, preview):
    annotate(preview, additions=[entry(0, rect("a"))])
    body = annotate(preview).json()  # what gazu sends when given no list
    assert objects_at(body["annotations"], 1) == ["a"]


def test_an_addition_without_objects_leaves_no_entry(annotate, preview):
    body = annotate(preview, additions=[entry(0.5)]).json()
    assert body["annotations"] == []


def test_stored_entries_of_one_frame_are_merged_on_the_next_change(annotate, preview):
    # Rows written by Zou hold one entry per float time (0.6 and 0.616 at 25 fps are frame 16)
    preview.data = {"frame_rate": "25"}
    preview.annotations = [
        entry(0.6, rect("old-1")),
        entry(0.616, rect("new-1"), rect("old-1")),
        entry("abc", rect("x")),  # a time that is no number: kept, matched by exact value
    ]
    preview.save()
    body = annotate(preview, deletions=[{"time": "abc", "objects": ["nothing"]}]).json()
    assert body["annotations"] == [
        {"time": 0.6, "frame": 16, "drawing": {"objects": [rect("old-1"), rect("new-1")]}},
        {"time": "abc", "frame": None, "drawing": {"objects": [rect("x")]}},
    ]


def test_the_frame_rate_of_the_processed_movie_decides(annotate, preview, project):
    project.fps = "25"
    project.save()
    preview.data = {"frame_rate": "30000/1001"}  # what processing records of the served movie
    preview.save()
    body = annotate(preview, additions=[entry(1.001, rect())]).json()
    assert body["annotations"][0]["frame"] == 31


def test_the_project_rate_applies_before_processing(annotate, preview, project):
    project.fps = "25"
    project.save()
    body = annotate(preview, additions=[entry(1, rect())]).json()
    assert body["annotations"][0]["frame"] == 26


def test_unknown_or_malformed_preview_is_404(admin_client):
    for preview_id in ("2f0e4b8e-0000-4000-8000-000000000000", "not-a-uuid"):
        response = admin_client.put(
            f"/api/actions/preview-files/{preview_id}/update-annotations", {}, format="json"
        )
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


# ---------------------------------------------------------------------------------------------
# Who may draw (contract §6.10): managers, clients, supervisors of the task type's department


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.MANAGER, True),
        (Role.CLIENT, True),
        (Role.SUPERVISOR, True),  # in no department: every department
        (Role.ARTIST, False),
        (Role.VENDOR, False),
    ],
)
def test_who_may_annotate(
    role, allowed, annotate, preview, make_person, add_to_team, client_for, task
):
    person = add_to_team(make_person(role))
    task.assignees.add(person)  # being assigned does not let artists or vendors draw
    response = annotate(preview, client_for(person), additions=[entry(0, rect("a"))])
    if allowed:
        assert response.status_code == 200, response.content
        assert objects_at(response.json()["annotations"], 1) == ["a"]
    else:
        assert response.status_code == 403
        assert response.json() == FORBIDDEN
        assert stored(preview) is None


def test_a_project_role_overrides_the_global_one(
    annotate, preview, make_person, add_to_team, client_for
):
    artist_as_client = add_to_team(make_person(Role.ARTIST), role=Role.CLIENT)
    assert annotate(preview, client_for(artist_as_client)).status_code == 200
    manager_as_artist = add_to_team(make_person(Role.MANAGER), role=Role.ARTIST)
    assert annotate(preview, client_for(manager_as_artist)).status_code == 403


def test_supervisors_of_another_department_may_not(
    annotate, preview, make_person, add_to_team, client_for, task
):
    own = add_to_team(make_person(Role.SUPERVISOR))
    own.departments.add(task.task_type.department)
    other = add_to_team(make_person(Role.SUPERVISOR))
    other.departments.add(Department.objects.exclude(pk=task.task_type.department_id).first())
    assert annotate(preview, client_for(own)).status_code == 200
    assert annotate(preview, client_for(other)).status_code == 403


def test_people_outside_the_team_may_not(annotate, preview, make_person, client_for):
    for role in (Role.MANAGER, Role.CLIENT):
        response = annotate(preview, client_for(make_person(role)), additions=[entry(0, rect())])
        assert response.status_code == 403
    assert stored(preview) is None


def test_the_generic_put_of_annotations_follows_the_same_rule(
    preview, make_person, add_to_team, client_for, task
):
    artist = add_to_team(make_person(Role.ARTIST))
    task.assignees.add(artist)  # may update the preview's other columns (Access.UPDATE)
    client = client_for(artist)
    path = f"/api/data/preview-files/{preview.pk}"
    assert client.put(path, {"description": "ok"}, format="json").status_code == 200
    response = client.put(path, {"annotations": [entry(0, rect())]}, format="json")
    assert response.status_code == 403
    assert stored(preview) is None


# ---------------------------------------------------------------------------------------------
# Malformed changes: 400, a message that says what is wrong, nothing changed (Zou: 500)

BAD_CHANGES = [
    ({"additions": "nope"}, "additions must be a list, not a string."),
    ({"updates": {"time": 0}}, "updates must be a list, not an object."),
    ({"deletions": 3}, "deletions must be a list, not a number."),
    ({"additions": [{"drawing": {"objects": []}}]}, "additions[0] has no time"),
    ({"additions": [{"time": None, "drawing": {}}]}, "additions[0] has no time"),
    ({"additions": [{"time": "soon", "drawing": {}}]}, "additions[0].time must be a number"),
    ({"additions": [{"time": -1, "drawing": {}}]}, "additions[0].time must be a number"),
    ({"additions": [{"time": True, "drawing": {}}]}, "additions[0].time must be a number"),
    ({"additions": [{"time": [1], "drawing": {}}]}, "additions[0].time must be a number"),
    ({"additions": [{"time": 0}]}, "additions[0].drawing must be an object"),
    ({"additions": [{"time": 0, "drawing": "x"}]}, "additions[0].drawing must be an object"),
    ({"additions": [{"time": 0, "drawing": [1]}]}, "additions[0].drawing must be an object"),
    ({"additions": [{"time": 0, "drawing": {"objects": {}}}]}, "drawing.objects must be a list"),
    ({"additions": [entry(0, "circle")]}, "additions[0].drawing.objects[0] must be an object"),
    ({"additions": [entry(0, rect(7))]}, "objects[0].id must be a string, not a number."),
    ({"additions": ["x"]}, "additions[0] must be an object"),
    ({"updates": [{"time": 0, "drawing": None}]}, "updates[0].drawing must be an object"),
    ({"deletions": ["r1"]}, "deletions[0] must be an object with a time and the ids"),
    ({"deletions": [{"objects": ["r1"]}]}, "deletions[0] has no time"),
    ({"deletions": [{"time": 0, "objects": "r1"}]}, "deletions[0].objects must be a list"),
    ({"deletions": [{"time": 0, "objects": [1]}]}, "deletions[0].objects must be a list"),
    # a good change before a bad one is not applied either
    ({"additions": [entry(5, rect("z"))], "deletions": ["r1"]}, "deletions[0] must be"),
]


@pytest.mark.parametrize(("body", "message"), BAD_CHANGES)
def test_malformed_changes_are_refused_and_change_nothing(annotate, preview, body, message):
    annotate(preview, additions=[entry(1.001, rect("r1"))])
    before = PreviewFile.objects.get(pk=preview.pk)
    response = annotate(preview, **body)
    assert response.status_code == 400, response.content
    assert response.json()["error"] is True
    assert message in response.json()["message"]
    after = PreviewFile.objects.get(pk=preview.pk)
    assert (after.annotations, after.updated_at) == (before.annotations, before.updated_at)


@pytest.mark.parametrize("body", [[], [entry(0, rect())], "text"])
def test_a_body_that_is_not_an_object_is_refused(admin_client, preview, body):
    response = admin_client.put(url(preview), body, format="json")
    assert response.status_code == 400
    assert "The body must be an object" in response.json()["message"]
    assert stored(preview) is None


# ---------------------------------------------------------------------------------------------
# The generic PUT of a whole list (older Kitsu clients): replaced whole, with ids and frames


def test_the_generic_put_replaces_the_list_with_ids_and_frames(admin_client, preview):
    path = f"/api/data/preview-files/{preview.pk}"
    sent = [entry(2.002, rect(None)), entry(1.0, rect("a")), entry(1.001, rect("b"))]
    response = admin_client.put(path, {"annotations": sent}, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()["annotations"]
    assert [(e["time"], e["frame"]) for e in answer] == [(2.002, 49), (1.0, 25)]
    assert objects_at(answer, 25) == ["a", "b"]  # one entry per frame
    assert len(answer[0]["drawing"]["objects"][0]["id"]) == 36
    assert stored(preview) == answer
    cleared = admin_client.put(path, {"annotations": None}, format="json").json()
    assert cleared["annotations"] is None


def test_the_generic_put_refuses_a_malformed_list(admin_client, preview):
    path = f"/api/data/preview-files/{preview.pk}"
    for bad in ("x", [{"time": 0, "drawing": "x"}], [{"drawing": {}}]):
        response = admin_client.put(
            path, {"annotations": bad, "description": "changed"}, format="json"
        )
        assert response.status_code == 400, response.content
        assert response.json()["message"].startswith("annotations")
    row = PreviewFile.objects.get(pk=preview.pk)
    assert (row.annotations, row.description) == (None, None)


# ---------------------------------------------------------------------------------------------
# ETag and If-Match (optimistic concurrency)


def etag_of(response) -> str:
    tag = response["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 2
    return tag


def test_answers_carry_the_version_and_each_write_changes_it(annotate, preview, admin_client):
    path = f"/api/data/preview-files/{preview.pk}"
    first = etag_of(admin_client.get(path))
    assert etag_of(admin_client.get(path)) == first  # stable while nothing changes
    added = annotate(preview, additions=[entry(0, rect())])
    second = etag_of(added)
    assert second != first
    assert etag_of(admin_client.get(path)) == second  # the answer's tag is the row's
    put = admin_client.put(path, {"description": "v3"}, format="json")
    assert etag_of(put) not in (first, second)
    assert etag_of(admin_client.get(path)) == etag_of(put)


def test_a_stale_if_match_is_412_and_changes_nothing(annotate, preview, admin_client):
    path = f"/api/data/preview-files/{preview.pk}"
    stale = etag_of(admin_client.get(path))
    current = etag_of(annotate(preview, additions=[entry(0, rect("a"))]))
    before = PreviewFile.objects.get(pk=preview.pk)

    response = admin_client.put(
        url(preview), {"additions": [entry(1, rect("b"))]}, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    body = response.json()
    assert body["error"] is True and "If-Match" in body["message"]
    response = admin_client.put(
        path, {"description": "lost?"}, format="json", HTTP_IF_MATCH=f"{stale}, W/{current}"
    )
    assert response.status_code == 412
    after = PreviewFile.objects.get(pk=preview.pk)
    assert (after.annotations, after.description, after.updated_at) == (
        before.annotations,
        before.description,
        before.updated_at,
    )


def test_a_current_if_match_goes_through(annotate, preview, admin_client):
    path = f"/api/data/preview-files/{preview.pk}"
    current = etag_of(admin_client.get(path))
    response = admin_client.put(
        url(preview),
        {"additions": [entry(0, rect("a"))]},
        format="json",
        HTTP_IF_MATCH=f'"other", {current}',
    )
    assert response.status_code == 200
    response = admin_client.put(
        path, {"description": "d"}, format="json", HTTP_IF_MATCH=etag_of(response)
    )
    assert response.status_code == 200
    unquoted = etag_of(response).strip('"')
    response = admin_client.put(path, {"description": "e"}, format="json", HTTP_IF_MATCH=unquoted)
    assert response.status_code == 200
    assert (
        admin_client.put(path, {"description": "f"}, format="json", HTTP_IF_MATCH="*").status_code
        == 200
    )
    assert PreviewFile.objects.get(pk=preview.pk).description == "f"


def test_another_previews_tag_does_not_match(annotate, preview, admin_client, task, comment, admin):
    other = services.add_preview_slot(task=task, comment=comment, author=admin)
    other_tag = etag_of(admin_client.get(f"/api/data/preview-files/{other.pk}"))
    response = admin_client.put(url(preview), {}, format="json", HTTP_IF_MATCH=other_tag)
    assert response.status_code == 412


def test_a_generic_put_keeps_annotations_written_after_the_row_was_read(
    preview, admin_client, monkeypatch
):
    # Another reviewer's drawing lands between the moment the PUT fetched the row and its
    # write: the PUT reads the row again under its lock, so its whole-row save does not put
    # the old annotations back.
    policy = records.RESOURCES[0].policy
    check_update = policy.check_update

    def check_while_someone_draws(person, obj, values):
        check_update(person, obj, values)
        if values:
            services.update_annotations(
                preview=PreviewFile.objects.get(pk=obj.pk), additions=[entry(0, rect("kept"))]
            )

    monkeypatch.setattr(policy, "check_update", check_while_someone_draws)
    path = f"/api/data/preview-files/{preview.pk}"
    response = admin_client.put(path, {"description": "later"}, format="json")
    assert response.status_code == 200
    row = PreviewFile.objects.get(pk=preview.pk)
    assert row.description == "later"
    assert objects_at(row.annotations, 1) == ["kept"]
    assert objects_at(response.json()["annotations"], 1) == ["kept"]


# ---------------------------------------------------------------------------------------------
# Query count: bounded whatever the number of annotated frames


@pytest.mark.parametrize("size", SIZES)
def test_update_annotations_query_count(django_assert_max_num_queries, annotate, preview, size):
    annotate(preview, additions=[entry(i, rect(f"o{i}")) for i in range(size)])
    response = bounded(
        django_assert_max_num_queries,
        # caller, preview with its task and the caller's team link, the preview again under
        # its lock, the update, the answer's row (and a savepoint's two in the test's
        # transaction)
        7,
        lambda: annotate(preview, additions=[entry(size + 1, rect("new"))]),
    )
    assert len(response.json()["annotations"]) == size + 1


def test_update_position_answers_the_version_and_honours_if_match(
    preview, admin_client, task, comment, admin
):
    second = services.add_preview_slot(task=task, comment=comment, author=admin)
    assert second.revision == preview.revision and second.position == 2
    path = f"/api/actions/preview-files/{second.pk}/update-position"
    stale = etag_of(admin_client.get(f"/api/data/preview-files/{second.pk}"))
    moved = admin_client.put(path, {"position": 1}, format="json")
    assert moved.status_code == 200
    assert [row["id"] for row in moved.json()] == [str(second.pk), str(preview.pk)]
    current = etag_of(moved)
    assert current != stale
    assert etag_of(admin_client.get(f"/api/data/preview-files/{second.pk}")) == current

    refused = admin_client.put(path, {"position": 2}, format="json", HTTP_IF_MATCH=stale)
    assert refused.status_code == 412
    assert PreviewFile.objects.get(pk=second.pk).position == 1
    accepted = admin_client.put(path, {"position": 2}, format="json", HTTP_IF_MATCH=current)
    assert accepted.status_code == 200
    assert PreviewFile.objects.get(pk=second.pk).position == 2
