"""The WSGI application gunicorn serves (`make serve`, the systemd units, the benches)."""
import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geotrack.settings")
application = get_wsgi_application()

# What Django and the apps loaded lives as long as the worker: kept out of the cyclic collector, a full
# collection no longer walks ~200k objects (a ~100 ms pause every few thousand requests, about 0.04 ms
# per request on average, measured on a vector tile). Objects made later are collected as before.
gc.collect()
gc.freeze()
