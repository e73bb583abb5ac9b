"""Shared helpers for the SQS client tests: endpoint, clients, MD5 algorithms, a counting runner.

Runs under both the pyenv Python (pip boto3, JSON protocol) and Debian's /usr/bin/python3
(python3-boto3 1.26, Query protocol). Plain unittest so that it needs nothing else.
"""
import hashlib
import os
import struct
import sys
import time
import unittest
import uuid

ENDPOINT = os.environ.get("SQS_ENDPOINT", "http://127.0.0.1:9324")
REGION = "us-east-1"
ACCOUNT = os.environ.get("SQS_ACCOUNT", "000000000000")


def run_tag():
    """A short unique prefix so that two interpreters (and reruns) never share a queue."""
    tag = os.environ.get("SQS_RUN_TAG")
    if not tag:
        tag = "t" + uuid.uuid4().hex[:8]
    py = "py%d%d" % sys.version_info[:2]
    return "%s-%s" % (tag, py)


def client(region=REGION):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sqs",
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, read_timeout=30, connect_timeout=5),
    )


def protocol():
    import botocore.session

    return botocore.session.get_session().get_service_model("sqs").metadata["protocol"]


def md5_hex(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.md5(data).hexdigest()


def md5_of_attributes(attrs):
    """MD5OfMessageAttributes as AWS computes it (spec section 5.2).

    attrs: {name: {"DataType": ..., "StringValue": str} | {"DataType": ..., "BinaryValue": bytes}}
    """
    if not attrs:
        return None
    buf = bytearray()

    def put(b):
        buf.extend(struct.pack(">I", len(b)))
        buf.extend(b)

    for name in sorted(attrs):  # names are ASCII: code-point order == ordinal order
        value = attrs[name]
        put(name.encode("utf-8"))
        put(value["DataType"].encode("utf-8"))
        if "StringValue" in value:
            buf.append(1)
            put(value["StringValue"].encode("utf-8"))
        else:
            buf.append(2)
            put(bytes(value["BinaryValue"]))
    return hashlib.md5(bytes(buf)).hexdigest()


def wait_until(fn, timeout=10.0, interval=0.2):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(interval)


class CountingResult(unittest.TextTestResult):
    pass


def main(module_name):
    """Run the tests of a module verbosely and end with a machine line 'RESULT p f s'."""
    module = sys.modules[module_name]
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    if len(sys.argv) > 1:  # optional name filter: python3 test_boto3.py fifo dlq
        wanted = sys.argv[1:]

        def flatten(s):
            for t in s:
                if isinstance(t, unittest.TestSuite):
                    yield from flatten(t)
                else:
                    yield t

        suite = unittest.TestSuite(
            t for t in flatten(suite) if any(w in t.id() for w in wanted))
    runner = unittest.TextTestRunner(verbosity=2, resultclass=CountingResult, stream=sys.stdout)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped
    print("RESULT %d %d %d" % (passed, failed, skipped))
    sys.exit(0 if failed == 0 else 1)
