"""Routes of output files, one module per group: `paths` (where an output goes),
`entity_outputs` (an entity's outputs, and a project's), `instance_outputs` (an asset instance's
outputs as seen in a temporal entity) and `files` (a file of either kind by id, and the generic
CRUD of output files).

Access, as Zou checks it (production's permissions; a refusal is a 403, a row that does not
exist a 404, whichever Zou reports first):

| route                                                        | needs                       |
|--------------------------------------------------------------|-----------------------------|
| POST data/entities/<id>/output-file-path                     | entity access               |
| POST .../asset-instances/<id>/entities/<id>/output-file-path | entity access on the asset  |
| POST data/entities/<id>/output-files/new                     | project access              |
| POST data/entities/<id>/output-files/next-revision           | project access              |
| GET  data/entities/<id>/output-files[/last-revisions]        | project access              |
| GET  data/entities/<id>/output-types[/<id>/output-files]     | project access              |
| GET  data/projects/<id>/output-files                         | manager rights              |
| POST .../asset-instances/<id>/entities/<id>/output-files/new | project access (asset's)    |
| the other asset-instance routes                              | project access (asset's)    |
| GET  data/files/<id>                                         | project access              |
| data/output-files (CRUD)                                     | permissions.EntityFilePolicy |

"Project access" is any member of the project's team; "entity access" adds the vendor rule (a
vendor needs a task on the entity). Only the path routes apply the vendor rule: Zou lets any
team member, a vendor included, publish and list outputs of any entity of the project.
"""
