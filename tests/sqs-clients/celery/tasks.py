"""A small Celery app on the SQS transport (kombu 5.2), pointed at Sluice.

kombu 5.2 builds its boto3 client's endpoint from the broker URL's host and port
(Channel.endpoint_url) and uses https unless the transport option is_secure is False;
predefined_queues only supplies queue URLs and per-queue credentials, so the broker URL
has to carry the host:port:  broker_url = 'sqs://test:test@127.0.0.1:PORT'.

Environment: SQS_ENDPOINT=http://127.0.0.1:PORT, CELERY_QUEUE (queue name),
CELERY_QUEUE_URL (optional: use predefined_queues with this URL), CELERY_OUT (a directory).
"""
import os
import time
from urllib.parse import urlsplit

from celery import Celery

endpoint = urlsplit(os.environ.get("SQS_ENDPOINT", "http://127.0.0.1:9324"))
queue = os.environ.get("CELERY_QUEUE", "celery")
out_dir = os.environ.get("CELERY_OUT", "/tmp")

transport_options = {
    "region": "us-east-1",
    "is_secure": endpoint.scheme == "https",
    "wait_time_seconds": 1,      # long-poll 1 s so that the worker reacts quickly
    "polling_interval": 0.2,
    "visibility_timeout": 60,
}
if os.environ.get("CELERY_QUEUE_URL"):
    transport_options["predefined_queues"] = {
        queue: {"url": os.environ["CELERY_QUEUE_URL"],
                "access_key_id": "test", "secret_access_key": "test"},
    }

app = Celery("tasks")
app.conf.update(
    broker_url="sqs://test:test@%s" % endpoint.netloc,
    broker_transport_options=transport_options,
    broker_connection_retry_on_startup=True,
    task_default_queue=queue,
    task_create_missing_queues=True,
    worker_enable_remote_control=False,   # no pidbox fanout queues
    worker_send_task_events=False,
    worker_prefetch_multiplier=1,
    result_backend=None,
)


@app.task(bind=True, max_retries=3)
def flaky(self, token):
    """Fails on its first two attempts, succeeds on the third (retry with 2**n s backoff)."""
    path = os.path.join(out_dir, token)
    with open(path + ".attempts", "a") as f:
        f.write("%d %.3f\n" % (self.request.retries, time.time()))
    if self.request.retries < 2:
        raise self.retry(exc=RuntimeError("transient failure %d" % self.request.retries),
                         countdown=2 ** self.request.retries)
    with open(path + ".done", "w") as f:
        f.write("ok after %d retries\n" % self.request.retries)
    return "ok"
