"""The browsable page of an entity (server-rendered, Django sessions): its tasks and the
outputs published for it. Here rather than in production/views.py because it reads output
files, and production may not import this app (docs/architecture.md#pages); access goes
through the same entry point as the API (production.permissions)."""

from typing import Any

from django.views.generic import ListView

from output_files import selectors
from output_files.models import OutputFile
from production import permissions
from production import selectors as production_selectors
from production.models import Entity
from production.views import PageMixin, thumbnail_url

# The entity with what the page shows around it: its project (breadcrumbs), type and parent
# (a shot's sequence), read with the caller's team link (permissions.Lookup).
ENTITY_PAGE = permissions.Lookup(
    lambda: Entity.objects.select_related("project", "entity_type", "parent"),
    project="project_id",
)


class EntityView(PageMixin, ListView):
    """`/entities/<id>/`: the entity's tasks (type, status, assignees, a link to the task's
    page) and its outputs (50 a page) grouped by output type and representation, the latest
    revision first. A fixed number of queries whatever the number of outputs
    (tests/pages/test_entities.py)."""

    template_name = "output_files/entity.html"
    context_object_name = "outputs"
    paginate_by = 50

    def get_queryset(self) -> Any:
        # The API's GET data/entities/<id>: the project's team, vendors only on entities
        # they have a task on (403 otherwise).
        self.entity = permissions.get_entity(
            self.person,
            self.kwargs["entity_id"],
            access=permissions.Access.TASK,
            lookup=ENTITY_PAGE,
        )
        return selectors.entity_outputs_for_page(self.entity)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        outputs: list[OutputFile] = list(context["outputs"])
        context["groups"] = _groups(outputs)
        # The API's listing of an entity's tasks: the team's (a vendor: their own).
        tasks = production_selectors.tasks_for_page(self.entity)
        context["tasks"] = list(permissions.tasks_visible_to(self.person, tasks))
        context["entity"] = self.entity
        context["project"] = self.entity.project
        context["thumbnail"] = thumbnail_url(self.entity.preview_file_id)
        return context


def _groups(outputs: list[OutputFile]) -> list[dict[str, Any]]:
    """The page's outputs cut into runs of one output type and representation (the query's
    order), each run a group of the page."""
    groups: list[dict[str, Any]] = []
    for output in outputs:
        key = (output.output_type_id, output.representation)
        if not groups or groups[-1]["key"] != key:
            groups.append(
                {
                    "key": key,
                    "output_type": output.output_type,
                    "representation": output.representation,
                    "outputs": [],
                }
            )
        groups[-1]["outputs"].append(output)
    return groups
