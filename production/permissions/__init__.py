"""Who may see and change what: the roles, team membership and task assignment of Zou.

The rules are written once, in this package, and applied three ways:

- the entry point (`access.py`): `caller(request)` is the person a route acts for;
  `get_task/get_project/get_entity(person, id, access=Access.X)`
  fetch the object a route acts on and check the caller's access in one call; the row comes
  from a `Lookup` declared once (`TASKS`, `ENTITY_ROWS`, a route's own), whose SQL is compiled
  once per process (docs/decisions/prepared-queries.md);
- named rules (`roles.py`, `tasks.py`) for what a route decides beyond that (a comment's
  status, who signs it); they raise Forbidden (403) or NotFound (404);
- scopes (`scopes.py`, `*_visible_to`) narrow querysets, so a listing never shows rows of a
  project the caller is not in, whatever filters the query string carries; and CRUD policies
  (`policies.py`) combine scopes and checks for the generic `/api/data/<collection>` routes.

Roles: `admin` is global only. Inside a project, a team member's link may override the global
role (`ProjectPersonLink.role`); `effective_role` gives the role that applies there.

Access table
------------
What every route (group) needs. PROJECT, MANAGER, TASK, ACTION, UPDATE and ADMIN are the
`Access` values; "entity" is TASK applied to an entity (project access; vendors need a task on
it); "team" is a scope: rows of projects whose team the caller is in (admins: all). A row
without a task or entity (made through the CRUD) is for admins only (*). Entries marked (*)
are explained in docs/compatibility.md#access-rules, with every place where we answer
differently from Zou on purpose.

Production (production/api/)
  data/<reference data> CRUD: organisations, departments,   read: anyone logged in;
    project-status, entity-types, task-types, task-status,   write: ADMIN
    softwares, output-types, file-status, persons
  data/projects CRUD                                 list: team; read: PROJECT; update: MANAGER;
                                                     create, delete: ADMIN
  data/entities, data/tasks, data/asset-instances    list: team (vendors: their tasks' rows);
    CRUD                                             read: entity / TASK / PROJECT; write:
                                                     MANAGER (of both projects when moving; an
                                                     asset instance: also of the projects it
                                                     is cast into) (*)
  data/comments, data/attachment-files CRUD          list: those of the tasks listed; read:
                                                     TASK; comment update: its author or ADMIN,
                                                     a new status by the comment rule
                                                     (check_comment_access) (*); other writes:
                                                     ADMIN
  GET data/projects/open                             team
  GET data/asset-types[/<id>]                        anyone logged in
  GET data/<kind>[/all] (assets, shots...)           team (vendors: entities they have a task on)
  GET data/<kind>/<id>, data/<kind>/<id>/tasks       entity; the tasks listed: team
  DELETE data/<kind>/<id>                            MANAGER
  GET data/projects/<id>/... (kinds, assets, team,   PROJECT
    settings/*, task-types, asset-types, task-status)
  POST data/projects/<id>/... (kinds, team,          MANAGER
    settings/*, asset-types/<id>/assets/new),
    DELETE .../team/<id>, .../settings/*/<id>
  GET data/tasks/<id>/full                           TASK
  GET data/assets/<id>/asset-asset-instances         entity
  POST data/assets/<id>/asset-asset-instances        MANAGER

File trees (file_trees/api.py)
  POST actions/projects/<id>/set-file-tree           MANAGER
  POST data/entities/guess-from-path                 PROJECT

Working files (working_files/api.py)
  data/tasks/<id>/working-files[/new, /last-revisions], data/tasks/<id>/working-file-path
                                                     TASK
  GET data/entities/<id>/working-files               PROJECT
  PUT actions/working-files/<id>/{comment,modified}  ACTION
  GET, POST data/working-files/<id>/file             TASK
  data/working-files CRUD (TaskFilePolicy)           list: team, vendors none; read: TASK;
                                                     update: ACTION; create, delete: ADMIN

Output files (output_files/api/: paths, entity_outputs, instance_outputs, files)
  POST data/entities/<id>/output-file-path, and      entity (the instance's asset); the
    the asset-instance output-file-path              temporal entity: PROJECT (*)
  GET data/files/<id>                                PROJECT
  data/entities/<id>/output-files[/new, /next-revision, /last-revisions],
    data/entities/<id>/output-types[/<id>/output-files]
                                                     PROJECT; a publish's `working_file_id`:
                                                     TASK on its task (*)
  data/asset-instances/<id>/... outputs              PROJECT of the asset's project and of
                                                     the temporal entity's (*)
  GET data/projects/<id>/output-files                MANAGER
  data/output-files CRUD (EntityFilePolicy)          list: team of open projects, vendors none;
                                                     read: entity; update: the team of its
                                                     entity's and temporal entity's projects,
                                                     and MANAGER or a task on its temporal
                                                     entity (else its entity) (*); its
                                                     `source_file`: TASK on its task; create,
                                                     delete: ADMIN

Previews (previews/api/: slots, batch, listings, media, records)
  POST actions/tasks/<id>/comments/<id>/add-preview, ACTION
    POST .../comments/<id>/preview-files/<id>
  DELETE .../comments/<id>/preview-files/<id>        ACTION on the URL's task, whose preview
                                                     and comment they must be
                                                     (docs/compatibility.md#previews)
  POST actions/tasks[/<id>]/batch-comment            ACTION on each task and the comment rule;
                                                     `person_id`, `created_at`: managers only
                                                     (may_post_comments_as_others) (*)
  PUT actions/tasks[/<id>]/set-main-preview,         TASK, clients refused
    actions/preview-files/<id>/set-main-preview      (check_main_preview_access)
  GET data/tasks/<id>/{previews,comments}            TASK (clients do not see rejected previews:
                                                     hides_rejected_previews)
  PUT actions/preview-files/<id>/update-position     ACTION
  GET actions/preview-files/<id>/extract-frame       MANAGER (Zou's manager project access)
  GET actions/preview-files/<id>/extract-tile        TASK (stores the sheet it makes)
  PUT actions/preview-files/<id>/update-annotations  PROJECT, then managers, clients and the
                                                     supervisors of the task type's department
                                                     (all for one in none); artists, vendors
                                                     refused (check_annotation_access)
  POST pictures/preview-files/<id> (upload)          ACTION
  GET movies/..., pictures/previews/...,             TASK
    movies/tiles/..., pictures/originals/<id>/download, pictures/originals/<id>.<extension>
  GET pictures/{thumbnails,thumbnails-square,        a shared asset's main preview: all but
    originals}/preview-files/<id>.png                vendors; else TASK (check_thumbnail_or_admin)
  GET actions/preview-files/<id>/extract-annotated-  MANAGER (of the task's project)
    frame[s][-pdf]
  GET data/projects/<id>/preview-files,              ADMIN
    data/playlists/preview-files/running
  data/preview-files CRUD (TaskPreviewPolicy)        list: team of open projects (vendors: their
                                                     tasks); read: PROJECT (vendors: assigned);
                                                     update: UPDATE (see the Previews section
                                                     of docs/compatibility.md), its
                                                     `source_file`: entity access on its
                                                     entity, its `annotations`: also
                                                     check_annotation_access (*); delete:
                                                     MANAGER; create: ADMIN
  data/preview-background-files CRUD                 read: anyone logged in; write: ADMIN
  POST pictures/preview-background-files/<id>        ADMIN
  GET pictures/preview-background-files/<id>.<ext>,  anyone logged in
    pictures/thumbnails/preview-background-files/<id>.png
  GET data/projects/<id>/settings/                   PROJECT
    preview-background-files
  POST, DELETE data/projects/<id>/settings/          MANAGER
    preview-background-files[/<id>], PUT
    data/projects/<id>/default-preview-background-file

Avatars and attachment thumbnails (thumbnails/api.py; rules in pictures.py)
  POST pictures/thumbnails/persons/<id>[.png],       the person themself, or ADMIN
    DELETE actions/persons/<id>/clear-avatar
  POST pictures/thumbnails/projects/<id>             MANAGER
  POST pictures/thumbnails/projects/<id>.png         ADMIN (Zou's default check on that URL)
  POST pictures/thumbnails/organisations/<id>[.png]  ADMIN
  GET pictures/thumbnails/persons/<id>[.png],        anyone logged in (404 without a picture)
    GET pictures/thumbnails/organisations/<id>[.png]
  GET pictures/thumbnails/projects/<id>[.png]        admins and managers (global role), else
                                                     PROJECT; 404 first without a picture
  GET pictures/thumbnails/attachment-files/<id>.png  TASK on the comment's task

Entity preview listings and attachments (previews/api/listings.py, comments.py)
  POST actions/tasks/<id>/comment                    TASK and a status the role may set
    (JSON, or a form with attachments: TASK before   (check_comment_access); `person_id` and
    the files are read)                              `created_at`: managers only (comment_author,
                                                     comment_date) (*)
  GET data/shots|assets|edits|concepts/<id>/         entity (a route of a kind: 404 for an
    preview-files, data/playlists/entities/<id>/     entity of another kind)
    preview-files
  POST actions/tasks/<id>/comments/<id>/             TASK; the comment must be the task's
    add-attachment                                   (404); its author or MANAGER
  GET data/tasks/<id>/attachment-files               TASK
  GET data/projects/<id>/attachment-files            PROJECT; the rows: attachment_files_visible_to
                                                     (vendors: their tasks' comments)
  GET data/attachment-files/<id>/file/<name>         TASK on the comment's task

Authentication (kitsufiles/api/auth_views.py)
  POST auth/login, GET /api                          anyone
  GET auth/refresh-token                             anyone with a refresh token of a live session
  GET auth/logout, GET auth/authenticated            anyone logged in

Who made a row is not the caller's to rewrite: a new working file's and a publish's
`person_id` are honoured for managers only (signed_by), and a CRUD update changes the author
(`person_id`) of a working file, output file or preview only for the project's managers and
admins (may_change_authorship), a comment's `editor_id` only for admins (*). The global rows a
body names (software, output and task types, task and file statuses, entity types, a task's
assignees) are any existing ones, as in Zou: an assignee outside the team gets no access from
it, since every task rule asks for the team first.

Where a row goes counts as much as where it is: a CRUD write that changes a row's task,
entity, temporal entity, project, linked comments or (for an asset instance) the shot, scene
or asset it is cast into needs, on the destination, the access that creating the row there
would need (`_check_targets` in policies.py), and an asset instance's outputs go only into a
temporal entity of a production the caller is in; a comment's task and author change only by
an admin (docs/compatibility.md#access-rules).
"""

from production.permissions.access import (
    ASSET_INSTANCES,
    ENTITIES,
    ENTITY_RELATIONS,
    ENTITY_ROWS,
    PROJECTS,
    TASK_RELATIONS,
    TASK_ROWS,
    TASKS,
    Access,
    Lookup,
    caller,
    check_entity,
    check_project,
    check_task,
    check_task_or_admin,
    fetch,
    get_asset_instance,
    get_entity,
    get_project,
    get_task,
)
from production.permissions.pictures import (
    check_attachment_thumbnail_access,
    check_organisation_avatar_change,
    check_person_avatar_change,
    check_project_avatar_change,
    check_project_avatar_read,
)
from production.permissions.policies import (
    AdminWritePolicy,
    AssetInstancePolicy,
    AttachmentFilePolicy,
    CommentPolicy,
    EntityFilePolicy,
    EntityPolicy,
    ProjectPolicy,
    ProjectRolePolicy,
    TaskFilePolicy,
    TaskPolicy,
    TaskPreviewPolicy,
)
from production.permissions.roles import (
    MANAGING_ROLES,
    block_access_to_vendor,
    check_admin,
    check_manager_project_access,
    check_project_access,
    deny,
    effective_role,
    has_manager_project_access,
    is_admin,
    is_vendor,
    remember_caller_link,
    with_caller_link,
)
from production.permissions.scopes import (
    asset_instances_visible_to,
    attachment_files_visible_to,
    comments_visible_to,
    entities_visible_to,
    projects_visible_to,
    rows_visible_to,
    tasks_visible_to,
)
from production.permissions.tasks import (
    check_annotation_access,
    check_attachment_addition,
    check_comment_access,
    check_entity_access,
    check_main_preview_access,
    check_task_access,
    check_task_action_access,
    check_task_update_access,
    check_thumbnail_access,
    check_thumbnail_or_admin,
    comment_author,
    comment_date,
    has_task_on,
    hides_rejected_previews,
    may_change_authorship,
    may_post_comments_as_others,
    signed_by,
    task_rule,
)

__all__ = [
    "ASSET_INSTANCES",
    "ENTITIES",
    "ENTITY_RELATIONS",
    "ENTITY_ROWS",
    "MANAGING_ROLES",
    "PROJECTS",
    "TASKS",
    "TASK_RELATIONS",
    "TASK_ROWS",
    "Access",
    "Lookup",
    "AdminWritePolicy",
    "AssetInstancePolicy",
    "AttachmentFilePolicy",
    "CommentPolicy",
    "EntityFilePolicy",
    "EntityPolicy",
    "ProjectPolicy",
    "ProjectRolePolicy",
    "TaskFilePolicy",
    "TaskPolicy",
    "TaskPreviewPolicy",
    "asset_instances_visible_to",
    "attachment_files_visible_to",
    "block_access_to_vendor",
    "caller",
    "check_admin",
    "check_annotation_access",
    "check_attachment_thumbnail_access",
    "check_attachment_addition",
    "check_comment_access",
    "check_entity",
    "check_entity_access",
    "check_main_preview_access",
    "check_manager_project_access",
    "check_organisation_avatar_change",
    "check_person_avatar_change",
    "check_project",
    "check_project_access",
    "check_project_avatar_change",
    "check_project_avatar_read",
    "check_task",
    "check_task_access",
    "check_task_action_access",
    "check_task_or_admin",
    "check_task_update_access",
    "check_thumbnail_access",
    "check_thumbnail_or_admin",
    "comment_author",
    "comment_date",
    "comments_visible_to",
    "deny",
    "effective_role",
    "entities_visible_to",
    "fetch",
    "get_asset_instance",
    "get_entity",
    "get_project",
    "get_task",
    "has_manager_project_access",
    "has_task_on",
    "hides_rejected_previews",
    "is_admin",
    "is_vendor",
    "may_change_authorship",
    "may_post_comments_as_others",
    "projects_visible_to",
    "remember_caller_link",
    "rows_visible_to",
    "signed_by",
    "task_rule",
    "tasks_visible_to",
    "with_caller_link",
]
