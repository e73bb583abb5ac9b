"""Celery on the SQS transport against an SQS endpoint: a task that fails twice and succeeds on its
third attempt with exponential backoff, driven by .delay(), executed by a real `celery worker`.

Run with Debian's python3-celery/python3-kombu/python3-pycurl:
  SQS_ENDPOINT=http://127.0.0.1:PORT /usr/bin/python3 tests/sqs-clients/celery/test_celery.py
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import sqstest  # noqa: E402

WORKER_LIMIT = 90  # seconds: hard bound on a worker's life


class CeleryRetryOverSqs(unittest.TestCase):
    def setUp(self):
        try:
            import celery  # noqa: F401
            import kombu.transport.SQS  # noqa: F401
            import pycurl  # noqa: F401
        except ImportError as e:
            self.skipTest("celery/kombu/pycurl not importable: %s" % e)
        self.out = tempfile.mkdtemp(prefix="sqs-celery-")
        self.queue = "%s-celery-%s" % (sqstest.run_tag(), uuid.uuid4().hex[:6])
        self.env = dict(os.environ, CELERY_OUT=self.out, CELERY_QUEUE=self.queue,
                        PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.env.pop("CELERY_QUEUE_URL", None)
        self.worker = None
        self.log = open(os.path.join(self.out, "worker.log"), "w+")

    def tearDown(self):
        if self.worker and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.worker.wait(10)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait(5)
        self.log.close()
        try:
            sqs = sqstest.client()
            url = sqs.get_queue_url(QueueName=self.queue)["QueueUrl"]
            sqs.delete_queue(QueueUrl=url)
        except Exception:
            pass

    def worker_log(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()[-4000:]

    def start_worker(self):
        cmd = ["timeout", "-s", "KILL", str(WORKER_LIMIT), sys.executable, "-m", "celery",
               "-A", "tasks", "worker", "-P", "solo", "-c", "1", "-Q", self.queue,
               "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--loglevel=INFO", "-n", "w-%s@%%h" % uuid.uuid4().hex[:6]]
        self.worker = subprocess.Popen(cmd, cwd=HERE, env=self.env, stdout=self.log,
                                       stderr=subprocess.STDOUT)

    def run_flaky(self):
        token = "job-" + uuid.uuid4().hex[:8]
        # the producer runs in a child too, so that the app reads this test's environment
        producer = ("import tasks, sys; r = tasks.flaky.delay(%r); print(r.id)" % token)
        subprocess.run([sys.executable, "-c", producer], cwd=HERE, env=self.env, check=True,
                       timeout=60, stdout=subprocess.PIPE)
        self.start_worker()
        done = os.path.join(self.out, token + ".done")
        ok = sqstest.wait_until(lambda: os.path.exists(done) or self.worker.poll() is not None,
                                timeout=60, interval=0.25)
        self.assertTrue(ok and os.path.exists(done),
                        "task did not complete; worker log:\n" + self.worker_log())
        with open(os.path.join(self.out, token + ".attempts")) as f:
            attempts = [line.split() for line in f if line.strip()]
        self.assertEqual([int(a[0]) for a in attempts], [0, 1, 2], attempts)
        t = [float(a[1]) for a in attempts]
        # countdowns 2**0 = 1 s then 2**1 = 2 s (exponential backoff), with a little slack
        self.assertGreaterEqual(t[1] - t[0], 0.9, t)
        self.assertGreaterEqual(t[2] - t[1], 1.9, t)
        self.assertLess(t[2] - t[0], 30, t)
        time.sleep(0.5)
        log = self.worker_log()
        self.assertIn("succeeded", log)
        self.assertEqual(log.count("Retry in"), 2, log)

    def test_retry_with_backoff_auto_created_queue(self):
        """kombu creates the queue itself (ListQueues/GetQueueUrl/CreateQueue)."""
        self.run_flaky()

    def test_retry_with_backoff_predefined_queue(self):
        """The queue exists beforehand and is given to kombu through predefined_queues."""
        sqs = sqstest.client()
        url = sqs.create_queue(QueueName=self.queue)["QueueUrl"]
        self.env["CELERY_QUEUE_URL"] = url
        self.run_flaky()


if __name__ == "__main__":
    sqstest.main(__name__)
