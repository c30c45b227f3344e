"""Query counts of the production listings, the same at a few rows and at many (see
tests/query_counts.py): the generic CRUD listings (plain and paged), the entity and task
listings of a kind, of a project and of an entity, a project's team and settings, an asset's
instances, and a task with everything around it."""

import pytest

from production import services
from production.models import (
    AttachmentFile,
    Comment,
    ProjectPersonLink,
    Role,
    Task,
    TaskType,
)
from tests.query_counts import SIZES, bounded

pytestmark = pytest.mark.django_db


class Production:
    """What the routes list, `size` of each, all in the member's team."""

    def __init__(self, size, project, admin, member, asset_type, task_type, task_status):
        self.project = project
        self.assets = [
            services.create_asset(
                project=project, asset_type=asset_type, name=f"Asset{n:03d}", created_by=admin
            )
            for n in range(size)
        ]
        first = self.assets[0]
        sequence = services.create_temporal_entity(
            kind="Sequence", project=project, name="SQ01", created_by=admin
        )
        for n in range(size):
            services.create_temporal_entity(
                kind="Shot", project=project, name=f"SH{n:03d}", parent=sequence, created_by=admin
            )
        # Tasks: one per asset, and `size` on the first asset; each assigned to the member and
        # to `size` people, with a comment and its attachment.
        people = [
            services.create_person(values={"email": f"crew{n}@studio.test", "first_name": "C"})
            for n in range(size)
        ]
        self.tasks = [
            Task.objects.create(
                name=f"task{n:03d}",
                project=project,
                entity=entity,
                task_type=task_type,
                task_status=task_status,
            )
            for n, entity in enumerate([*self.assets, *[first] * size])
        ]
        for task in self.tasks:
            task.assignees.add(member, *people)
            comment = Comment.objects.create(object=task, task_status=task_status, person=admin)
            AttachmentFile.objects.create(
                name="notes.txt", extension="txt", mimetype="text/plain", comment=comment
            )
        for person in people:
            ProjectPersonLink.objects.create(project=project, person=person)
        # Instances of the first asset cast into the second one (an asset's asset instances).
        target = self.assets[-1]
        for _ in range(size):
            services.create_asset_instance(asset=first, target_asset=target)
        self.target = target
        self.task = self.tasks[-1]
        # Settings and projects.
        for n in range(size):
            task_type_n = TaskType.objects.create(name=f"Step{n:03d}", for_entity="Asset")
            services.add_task_type_to_project(project=project, task_type=task_type_n, priority=n)
            other = services.create_project(values={"name": f"Other{n:03d}"})
            ProjectPersonLink.objects.create(project=other, person=member)
        services.add_asset_type_to_project(project=project, asset_type=asset_type)


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-rows")
def production(
    request, project, admin, make_person, add_to_team, asset_type, task_type, task_status
):
    member = add_to_team(make_person(Role.SUPERVISOR))
    built = Production(request.param, project, admin, member, asset_type, task_type, task_status)
    built.size = request.param
    built.member = member
    return built


@pytest.fixture(params=["admin", "member"])
def caller(request, admin_client, client_for, production):
    """An admin, and a supervisor of the team (scopes and access rules read the team)."""
    return admin_client if request.param == "admin" else client_for(production.member)


# (url, bound). A generic listing: auth, the rows (scoped to the caller's teams, counted first
# when paged), one query per relation asked for; a route of a project or an entity: auth, the
# row it names with the caller's team link, then the same.
ROUTES = {
    "projects": (lambda p: "/api/data/projects", 3),
    # One more per many-to-many: team, asset types, task statuses, task types.
    "projects with relations": (lambda p: "/api/data/projects?relations=true", 7),
    "projects, paged": (lambda p: "/api/data/projects?page=1&limit=500", 4),
    "open projects": (lambda p: "/api/data/projects/open", 7),
    "entities": (lambda p: "/api/data/entities", 2),
    "tasks": (lambda p: "/api/data/tasks", 2),
    "tasks, paged": (lambda p: "/api/data/tasks?page=1&limit=500", 4),
    "tasks with relations": (lambda p: "/api/data/tasks?relations=true", 3),
    "comments": (lambda p: "/api/data/comments", 2),
    # Their previews and attachment files.
    "comments with relations": (lambda p: "/api/data/comments?relations=true", 4),
    "attachment files": (lambda p: "/api/data/attachment-files", 2),
    "asset instances": (lambda p: "/api/data/asset-instances", 2),
    "persons": (lambda p: "/api/data/persons", 2),
    "task types": (lambda p: "/api/data/task-types", 2),
    "asset types": (lambda p: "/api/data/asset-types", 2),
    "assets": (lambda p: "/api/data/assets", 2),
    "all assets": (lambda p: "/api/data/assets/all", 2),
    "shots": (lambda p: "/api/data/shots", 2),
    "tasks of an asset": (lambda p: f"/api/data/assets/{p.assets[0].id}/tasks", 3),
    "assets of a project": (lambda p: f"/api/data/projects/{p.project.id}/assets", 3),
    "shots of a project": (lambda p: f"/api/data/projects/{p.project.id}/shots", 3),
    "team": (lambda p: f"/api/data/projects/{p.project.id}/team", 3),
    "task types of a project": (lambda p: f"/api/data/projects/{p.project.id}/task-types", 3),
    "task-type settings": (
        lambda p: f"/api/data/projects/{p.project.id}/settings/task-types",
        3,
    ),
    "asset instances of an asset": (
        lambda p: f"/api/data/assets/{p.target.id}/asset-asset-instances",
        3,
    ),
    # The task and its assignees, then each row around it once: project, type, status,
    # entity, entity type, assignees.
    "a task in full": (lambda p: f"/api/data/tasks/{p.task.id}/full", 11),
}
# Routes whose answer does not grow with the production.
FIXED = ("a task in full", "asset types")


@pytest.mark.parametrize("route", ROUTES)
def test_a_listing(caller, production, route, django_assert_max_num_queries):
    url, bound = ROUTES[route]
    response = bounded(django_assert_max_num_queries, bound, lambda: caller.get(url(production)))
    body = response.json()
    if isinstance(body, dict):  # a page, or an asset's instances grouped by asset
        listed = body["data"] if "data" in body else sum(body.values(), [])
    else:
        listed = body
    if route not in FIXED:
        assert len(listed) >= production.size
