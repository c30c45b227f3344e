import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitsufiles.settings")
application = get_wsgi_application()

# The garbage collector, tuned for a server that builds big listings
# (docs/decisions/garbage-collection.md): every route is imported now rather than on the first
# request, what the process holds from here on is left out of the collector's full passes
# (gc.freeze), and young objects are collected every 5,000 allocations instead of 700. A
# listing of 10,000 output files spent a third of its time in collections that find nothing.
get_resolver().url_patterns  # noqa: B018 (imports every URL configuration and view)
gc.collect()
gc.freeze()
gc.set_threshold(5000, *gc.get_threshold()[1:])
