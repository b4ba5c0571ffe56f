"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Workers are stateless: run as many processes (and machines) as load needs, with
PostgreSQL as the system of record and Redis for shared rate-limit counters.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then, bounding any slow leak
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Requests gunicorn itself refuses (answering plain HTML, before the app sees them): a
# request line over 8 KiB (its maximum; the default is 4 KiB, which long filtered list
# URLs can reach), a header over 8 KiB, or more than 100 headers. Anything within these
# limits is the app's to answer, as problem+json.
limit_request_line = 8190
limit_request_field_size = 8190
limit_request_fields = 100
