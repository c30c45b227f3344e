"""The admin's own face: kitsufiles' name instead of Django's, and the browsable pages as the
admin's "site" (templates/admin/base_site.html links to them and to the API docs).

Here, in the plumbing, because the name is the product's, not an app's; the models' admins
are in each app's admin.py."""

from django.contrib import admin

admin.site.site_header = "kitsufiles administration"
admin.site.site_title = "kitsufiles admin"
admin.site.index_title = "kitsufiles: productions, files and previews"
admin.site.site_url = "/"
