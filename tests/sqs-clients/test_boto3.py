"""boto3 against Sluice's SQS face. The SAME module runs under two interpreters:

  python3            (pyenv, pip boto3/botocore 1.43 -> AWS JSON 1.0 protocol)
  /usr/bin/python3   (Debian python3-boto3 1.26 / botocore 1.29 -> AWS Query protocol)

Environment: SQS_ENDPOINT=http://127.0.0.1:PORT (required), SQS_RUN_TAG (optional prefix).
Run: SQS_ENDPOINT=... python3 tests/sqs-clients/test_boto3.py [name-filter ...]
"""
import base64
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sqstest  # noqa: E402
from sqstest import ACCOUNT, REGION, md5_hex, md5_of_attributes  # noqa: E402

from botocore.exceptions import ClientError  # noqa: E402

TAG = sqstest.run_tag()
NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue"


def err_code(cm):
    return cm.exception.response["Error"]["Code"]


class SqsTestCase(unittest.TestCase):
    sqs = None
    _queues = []

    @classmethod
    def setUpClass(cls):
        cls.sqs = sqstest.client()
        cls._queues = []

    @classmethod
    def tearDownClass(cls):
        for url in cls._queues:
            try:
                cls.sqs.delete_queue(QueueUrl=url)
            except Exception:
                pass

    def name(self, suffix, fifo=False):
        n = "%s-%s" % (TAG, suffix)
        return n + ".fifo" if fifo else n

    def create(self, suffix, fifo=False, attributes=None, **kw):
        attrs = dict(attributes or {})
        if fifo:
            attrs.setdefault("FifoQueue", "true")
        args = {"QueueName": self.name(suffix, fifo)}
        if attrs:
            args["Attributes"] = attrs
        args.update(kw)
        url = self.sqs.create_queue(**args)["QueueUrl"]
        type(self)._queues.append(url)
        return url

    def attrs(self, url, *names):
        return self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=list(names) or ["All"])["Attributes"]

    def receive(self, url, **kw):
        kw.setdefault("WaitTimeSeconds", 0)
        return self.sqs.receive_message(QueueUrl=url, **kw).get("Messages", [])

    def drain(self, url, expected, timeout=10.0, **kw):
        """Receive until `expected` messages have arrived (or the timeout)."""
        got = []
        deadline = time.time() + timeout
        kw.setdefault("MaxNumberOfMessages", 10)
        while len(got) < expected and time.time() < deadline:
            got.extend(self.receive(url, WaitTimeSeconds=1, **kw))
        return got


class QueueManagement(SqsTestCase):
    def test_create_get_list_delete(self):
        url_a = self.create("lst-alpha")
        url_b = self.create("lst-beta")
        url_c = self.create("other-gamma")
        # the URL is minted from the host the client used, so that clients routing by queue URL reach us
        self.assertEqual(url_a, "%s/%s/%s" % (sqstest.ENDPOINT, ACCOUNT, self.name("lst-alpha")))
        self.assertEqual(self.sqs.get_queue_url(QueueName=self.name("lst-beta"))["QueueUrl"], url_b)
        # idempotent re-create with the same (no) attributes returns the same URL
        self.assertEqual(self.sqs.create_queue(QueueName=self.name("lst-alpha"))["QueueUrl"], url_a)

        listed = self.sqs.list_queues(QueueNamePrefix=self.name("lst-")).get("QueueUrls", [])
        self.assertEqual(sorted(listed), sorted([url_a, url_b]))
        everything = self.sqs.list_queues().get("QueueUrls", [])
        for u in (url_a, url_b, url_c):
            self.assertIn(u, everything)
        none = self.sqs.list_queues(QueueNamePrefix=self.name("zzz-nothing"))
        self.assertEqual(none.get("QueueUrls", []), [])

        self.sqs.delete_queue(QueueUrl=url_c)
        with self.assertRaises(ClientError) as cm:
            self.sqs.get_queue_url(QueueName=self.name("other-gamma"))
        self.assertEqual(err_code(cm), NON_EXISTENT)

    def test_queue_url_with_any_host_resolves(self):
        url = self.create("anyhost")
        foreign = "https://sqs.us-east-1.amazonaws.com/%s/%s" % (ACCOUNT, self.name("anyhost"))
        self.sqs.send_message(QueueUrl=foreign, MessageBody="via foreign host")
        self.assertEqual([m["Body"] for m in self.receive(url)], ["via foreign host"])

    def test_deleted_queue_disappears_from_list(self):
        url = self.create("gone")
        self.sqs.delete_queue(QueueUrl=url)
        self.assertNotIn(url, self.sqs.list_queues(QueueNamePrefix=self.name("gone")).get("QueueUrls", []))
        with self.assertRaises(ClientError) as cm:
            self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.assertEqual(err_code(cm), NON_EXISTENT)

    def test_list_queues_pagination(self):
        urls = [self.create("pg-%d" % i) for i in range(3)]
        page1 = self.sqs.list_queues(QueueNamePrefix=self.name("pg-"), MaxResults=2)
        self.assertEqual(len(page1["QueueUrls"]), 2)
        self.assertIn("NextToken", page1)
        page2 = self.sqs.list_queues(QueueNamePrefix=self.name("pg-"), MaxResults=2,
                                     NextToken=page1["NextToken"])
        self.assertEqual(sorted(page1["QueueUrls"] + page2["QueueUrls"]), sorted(urls))

    def test_create_with_different_attributes_conflicts(self):
        self.create("conflict", attributes={"VisibilityTimeout": "10"})
        with self.assertRaises(ClientError) as cm:
            self.sqs.create_queue(QueueName=self.name("conflict"),
                                  Attributes={"VisibilityTimeout": "20"})
        self.assertEqual(err_code(cm), "QueueAlreadyExists")


class Attributes(SqsTestCase):
    def test_standard_attributes_roundtrip(self):
        url = self.create("attrs", attributes={
            "VisibilityTimeout": "45", "DelaySeconds": "2", "MessageRetentionPeriod": "3600",
            "ReceiveMessageWaitTimeSeconds": "3", "MaximumMessageSize": "2048"})
        a = self.attrs(url)
        self.assertEqual(a["VisibilityTimeout"], "45")
        self.assertEqual(a["DelaySeconds"], "2")
        self.assertEqual(a["MessageRetentionPeriod"], "3600")
        self.assertEqual(a["ReceiveMessageWaitTimeSeconds"], "3")
        self.assertEqual(a["MaximumMessageSize"], "2048")
        self.assertEqual(a["QueueArn"], "arn:aws:sqs:%s:%s:%s" % (REGION, ACCOUNT, self.name("attrs")))
        for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                  "ApproximateNumberOfMessagesDelayed"):
            self.assertEqual(a[k], "0", k)
        created = int(a["CreatedTimestamp"])  # epoch seconds
        self.assertLess(abs(created - time.time()), 300)
        self.assertIn("LastModifiedTimestamp", a)
        self.assertIn(a.get("FifoQueue", "false"), ("false",))  # not a FIFO queue

        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "7",
                                                                "DelaySeconds": "0"})
        b = self.attrs(url, "VisibilityTimeout", "DelaySeconds")
        self.assertEqual(b, {"VisibilityTimeout": "7", "DelaySeconds": "0"})

    def test_redrive_policy_json(self):
        dlq = self.create("rp-dlq")
        dlq_arn = self.attrs(dlq, "QueueArn")["QueueArn"]
        policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 4}
        src = self.create("rp-src", attributes={"RedrivePolicy": json.dumps(policy)})
        got = json.loads(self.attrs(src, "RedrivePolicy")["RedrivePolicy"])
        self.assertEqual(got["deadLetterTargetArn"], dlq_arn)
        self.assertEqual(int(got["maxReceiveCount"]), 4)
        policy["maxReceiveCount"] = 9
        self.sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(policy)})
        got = json.loads(self.attrs(src)["RedrivePolicy"])
        self.assertEqual(int(got["maxReceiveCount"]), 9)

    def test_fifo_attributes(self):
        url = self.create("fattr", fifo=True, attributes={
            "ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup",
            "FifoThroughputLimit": "perMessageGroupId"})
        self.assertTrue(url.endswith(".fifo"))
        a = self.attrs(url)
        self.assertEqual(a["FifoQueue"], "true")
        self.assertEqual(a["ContentBasedDeduplication"], "true")
        self.assertEqual(a["DeduplicationScope"], "messageGroup")
        self.assertEqual(a["FifoThroughputLimit"], "perMessageGroupId")


class Messages(SqsTestCase):
    ATTRS = {
        "str": {"DataType": "String", "StringValue": "hello"},
        "num": {"DataType": "Number", "StringValue": "12345.678"},
        "num.custom": {"DataType": "Number.float", "StringValue": "-1e10"},
        "bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xffbinary"},
        "utf": {"DataType": "String", "StringValue": "\u00e9t\u00e9 \U0001F607"},
    }

    def assert_attrs_equal(self, got, sent):
        self.assertEqual(set(got), set(sent))
        for k, v in sent.items():
            self.assertEqual(got[k]["DataType"], v["DataType"], k)
            if "StringValue" in v:
                self.assertEqual(got[k]["StringValue"], v["StringValue"], k)
            else:
                self.assertEqual(bytes(got[k]["BinaryValue"]), v["BinaryValue"], k)

    def test_md5_helper_matches_spec_vectors(self):
        self.assertEqual(md5_hex("foo"), "acbd18db4cc2f85cedef654fccc4a4d8")
        self.assertEqual(md5_of_attributes({"XXX": {"DataType": "String", "StringValue": "xxx"}}),
                         "37819bc3d58fcdbf7bc9aa49ff38a4e6")
        self.assertEqual(md5_of_attributes({"XXX": {"DataType": "String", "StringValue": "\U0001F607"}}),
                         "23bf3e5b587065b0cfbe95761641595a")
        three = {
            "attribName1": {"DataType": "String", "StringValue": "attribValue 1"},
            "customNumberTypeAttrib": {"DataType": "Number.float",
                                       "StringValue": "4563442423554324324264524243.32543234"},
            "binaryAttribute": {"DataType": "Binary", "BinaryValue": b"Hello binary world!"},
        }
        self.assertEqual(md5_of_attributes(three), "c932db14a896c663f83c260297d594ff")

    def test_send_receive_delete_single(self):
        url = self.create("single")
        body = '{"order": 42, "note": "single"}'
        sent = self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=self.ATTRS)
        self.assertTrue(sent["MessageId"])
        self.assertEqual(sent["MD5OfMessageBody"], md5_hex(body))
        self.assertEqual(sent["MD5OfMessageAttributes"], md5_of_attributes(self.ATTRS))

        before = int(time.time() * 1000)
        msgs = self.receive(url, MaxNumberOfMessages=10, AttributeNames=["All"],
                            MessageAttributeNames=["All"])
        self.assertEqual(len(msgs), 1)
        m = msgs[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], body)
        self.assertEqual(m["MD5OfBody"], md5_hex(body))
        self.assert_attrs_equal(m["MessageAttributes"], self.ATTRS)
        self.assertEqual(m["MD5OfMessageAttributes"], md5_of_attributes(self.ATTRS))
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
        sent_ts = int(m["Attributes"]["SentTimestamp"])  # epoch milliseconds
        self.assertLess(abs(sent_ts - before), 60000)
        self.assertIn("ApproximateFirstReceiveTimestamp", m["Attributes"])
        self.assertIn("SenderId", m["Attributes"])

        a = self.attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        self.assertEqual(a, {"ApproximateNumberOfMessages": "0",
                             "ApproximateNumberOfMessagesNotVisible": "1"})
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        a = self.attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        self.assertEqual(a, {"ApproximateNumberOfMessages": "0",
                             "ApproximateNumberOfMessagesNotVisible": "0"})
        self.assertEqual(self.receive(url), [])

    def test_receive_attribute_subset(self):
        url = self.create("subset")
        self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=self.ATTRS)
        m = self.receive(url, MessageAttributeNames=["str", "bin"])[0]
        subset = {k: self.ATTRS[k] for k in ("str", "bin")}
        self.assert_attrs_equal(m["MessageAttributes"], subset)
        self.assertEqual(m["MD5OfMessageAttributes"], md5_of_attributes(subset))
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                           VisibilityTimeout=0)
        # prefix wildcard: "num.*" is every name starting with "num" (as SQS documents "bar.*")
        m = self.receive(url, MessageAttributeNames=["num.*"])[0]
        subset = {k: self.ATTRS[k] for k in ("num", "num.custom")}
        self.assert_attrs_equal(m.get("MessageAttributes", {}), subset)
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                           VisibilityTimeout=0)
        m = self.receive(url)[0]  # no names asked: no attributes returned
        self.assertNotIn("MessageAttributes", m)
        self.assertNotIn("MD5OfMessageAttributes", m)

    def test_batch_send_receive_delete(self):
        url = self.create("batch")
        entries = []
        for i in range(10):
            attrs = {"idx": {"DataType": "Number", "StringValue": str(i)},
                     "kind": {"DataType": "String", "StringValue": "batch-%d" % i}}
            if i % 3 == 0:
                attrs["blob"] = {"DataType": "Binary", "BinaryValue": bytes([i, 255 - i]) * 3}
            entries.append({"Id": "e%d" % i, "MessageBody": "batch body %d \u00fc" % i,
                            "MessageAttributes": attrs})
        res = self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
        self.assertEqual(res.get("Failed", []), [])
        ok = {e["Id"]: e for e in res["Successful"]}
        self.assertEqual(set(ok), {e["Id"] for e in entries})
        for e in entries:
            self.assertEqual(ok[e["Id"]]["MD5OfMessageBody"], md5_hex(e["MessageBody"]))
            self.assertEqual(ok[e["Id"]]["MD5OfMessageAttributes"],
                             md5_of_attributes(e["MessageAttributes"]))

        msgs = self.drain(url, 10, MessageAttributeNames=["All"])
        self.assertEqual(len(msgs), 10)
        by_body = {e["MessageBody"]: e for e in entries}
        for m in msgs:
            e = by_body[m["Body"]]
            self.assertEqual(m["MD5OfBody"], md5_hex(m["Body"]))
            self.assert_attrs_equal(m["MessageAttributes"], e["MessageAttributes"])
            self.assertEqual(m["MD5OfMessageAttributes"], md5_of_attributes(e["MessageAttributes"]))

        dels = [{"Id": "d%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)]
        res = self.sqs.delete_message_batch(QueueUrl=url, Entries=dels)
        self.assertEqual(res.get("Failed", []), [])
        self.assertEqual(sorted(e["Id"] for e in res["Successful"]), sorted(d["Id"] for d in dels))
        self.assertEqual(self.receive(url), [])

    def test_batch_partial_failure(self):
        url = self.create("partial")
        self.sqs.send_message(QueueUrl=url, MessageBody="one")
        m = self.receive(url)[0]
        res = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "good", "ReceiptHandle": m["ReceiptHandle"]},
            {"Id": "bad", "ReceiptHandle": "this-handle-was-never-issued"}])
        self.assertEqual([e["Id"] for e in res["Successful"]], ["good"])
        self.assertEqual(len(res["Failed"]), 1)
        f = res["Failed"][0]
        self.assertEqual(f["Id"], "bad")
        self.assertTrue(f["SenderFault"])
        self.assertEqual(f["Code"], "ReceiptHandleIsInvalid")

    def test_crlf_and_non_ascii_bodies(self):
        url = self.create("bodies")
        bodies = [
            "line1\r\nline2\r\n",
            "\r",
            "cr\ronly\rbody",
            "tab\tand\nnewline",
            "h\u00e9llo w\u00f6rld \u65e5\u672c\u8a9e \U0001F607",
            "<xml attr=\"&amp;\">&lt;'quotes'</xml> & ]]>",
            "  leading and trailing spaces  ",
            "\ue000 private use and \U0010FFFD",
        ]
        sent = {}
        for b in bodies:
            r = self.sqs.send_message(QueueUrl=url, MessageBody=b)
            self.assertEqual(r["MD5OfMessageBody"], md5_hex(b), repr(b))
            sent[r["MessageId"]] = b
        r = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "crlf", "MessageBody": "batch\r\nCRLF \u00e9"}])
        self.assertEqual(r["Successful"][0]["MD5OfMessageBody"], md5_hex("batch\r\nCRLF \u00e9"))
        sent[r["Successful"][0]["MessageId"]] = "batch\r\nCRLF \u00e9"
        attr = {"crlf": {"DataType": "String", "StringValue": "a\r\nb \u00e9"}}
        r = self.sqs.send_message(QueueUrl=url, MessageBody="attr\r\n", MessageAttributes=attr)
        self.assertEqual(r["MD5OfMessageAttributes"], md5_of_attributes(attr))
        sent[r["MessageId"]] = "attr\r\n"

        msgs = self.drain(url, len(sent), MessageAttributeNames=["All"])
        self.assertEqual(len(msgs), len(sent))
        for m in msgs:
            self.assertEqual(m["Body"], sent[m["MessageId"]])
            self.assertEqual(m["MD5OfBody"], md5_hex(sent[m["MessageId"]]))
            if m["Body"] == "attr\r\n":
                self.assertEqual(m["MessageAttributes"]["crlf"]["StringValue"], "a\r\nb \u00e9")
                self.assertEqual(m["MD5OfMessageAttributes"], md5_of_attributes(attr))

    def test_large_body_and_maximum_message_size(self):
        url = self.create("large")
        body = ("0123456789abcdef\u00e9" * 14000)[:200000]
        r = self.sqs.send_message(QueueUrl=url, MessageBody=body)
        self.assertEqual(r["MD5OfMessageBody"], md5_hex(body))
        m = self.receive(url)[0]
        self.assertEqual(m["Body"], body)
        small = self.create("small", attributes={"MaximumMessageSize": "1024"})
        with self.assertRaises(ClientError) as cm:
            self.sqs.send_message(QueueUrl=small, MessageBody="x" * 2000)
        self.assertEqual(err_code(cm), "InvalidParameterValue")

    def test_invalid_message_contents(self):
        url = self.create("badchars")
        for bad in ("nul \x00 inside", "\x08 backspace", "\uffff non-character"):
            with self.assertRaises(ClientError, msg=repr(bad)) as cm:
                self.sqs.send_message(QueueUrl=url, MessageBody=bad)
            self.assertEqual(err_code(cm), "InvalidMessageContents", repr(bad))

    def test_invalid_number_attribute(self):
        url = self.create("badnum")
        with self.assertRaises(ClientError) as cm:
            self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
                "n": {"DataType": "Number", "StringValue": "not-a-number"}})
        self.assertEqual(err_code(cm), "InvalidParameterValue")

    def test_standard_queue_accepts_message_group_id(self):
        """Fair queues: MessageGroupId is allowed on standard queues (MessageDeduplicationId is not)."""
        url = self.create("fair")
        self.sqs.send_message(QueueUrl=url, MessageBody="tenant-a", MessageGroupId="a")
        self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "b", "MessageBody": "tenant-b", "MessageGroupId": "b"}])
        got = self.drain(url, 2, timeout=3)
        self.assertEqual(sorted(m["Body"] for m in got), ["tenant-a", "tenant-b"])
        with self.assertRaises(ClientError) as cm:
            self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
        self.assertEqual(err_code(cm), "InvalidParameterValue")

    def test_stale_receipt_handle_on_standard_queue(self):
        url = self.create("stale")
        self.sqs.send_message(QueueUrl=url, MessageBody="s")
        first = self.receive(url, VisibilityTimeout=0, AttributeNames=["All"])[0]
        second = self.receive(url, AttributeNames=["All"])[0]
        self.assertEqual(first["MessageId"], second["MessageId"])
        self.assertEqual(first["Attributes"]["ApproximateFirstReceiveTimestamp"],
                         second["Attributes"]["ApproximateFirstReceiveTimestamp"])
        # AWS accepts an earlier handle of the message for delete (moto verified this against AWS)
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"])
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
        self.assertEqual(self.receive(url), [])

    def test_change_visibility(self):
        url = self.create("vis", attributes={"VisibilityTimeout": "30"})
        self.sqs.send_message(QueueUrl=url, MessageBody="v")
        m1 = self.receive(url, AttributeNames=["ApproximateReceiveCount"])[0]
        self.assertEqual(self.receive(url), [])  # in flight
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m1["ReceiptHandle"],
                                           VisibilityTimeout=0)
        m2 = self.receive(url, AttributeNames=["ApproximateReceiveCount"])[0]
        self.assertEqual(m2["MessageId"], m1["MessageId"])
        self.assertEqual(m2["Attributes"]["ApproximateReceiveCount"], "2")
        self.assertNotEqual(m2["ReceiptHandle"], m1["ReceiptHandle"])
        # extend, then shorten to 1 s: visible again after about a second
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"],
                                           VisibilityTimeout=600)
        self.assertEqual(self.receive(url), [])
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"],
                                           VisibilityTimeout=1)
        self.assertEqual(self.receive(url), [])
        time.sleep(1.6)
        m3 = self.receive(url)[0]
        self.assertEqual(m3["MessageId"], m1["MessageId"])
        # receive-level VisibilityTimeout
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m3["ReceiptHandle"])
        self.sqs.send_message(QueueUrl=url, MessageBody="w")
        self.receive(url, VisibilityTimeout=1)
        self.assertEqual(self.receive(url), [])
        time.sleep(1.6)
        self.assertEqual(len(self.receive(url)), 1)

    def test_change_visibility_batch(self):
        url = self.create("visb")
        self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": "m%d" % i} for i in range(3)])
        msgs = self.drain(url, 3)
        self.assertEqual(len(msgs), 3)
        res = self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "c%d" % i, "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(msgs)])
        self.assertEqual(res.get("Failed", []), [])
        self.assertEqual(len(res["Successful"]), 3)
        self.assertEqual(len(self.drain(url, 3)), 3)

    def test_delay_seconds(self):
        url = self.create("delay")
        self.sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=2)
        a = self.attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed")
        self.assertEqual(a, {"ApproximateNumberOfMessages": "0",
                             "ApproximateNumberOfMessagesDelayed": "1"})
        self.assertEqual(self.receive(url), [])
        time.sleep(2.3)
        self.assertEqual([m["Body"] for m in self.receive(url)], ["later"])


class Fifo(SqsTestCase):
    def test_group_ordering_dedup_sequence_numbers(self):
        url = self.create("order", fifo=True)
        plan = [("A", 1), ("B", 1), ("A", 2), ("B", 2), ("A", 3), ("C", 1), ("A", 4)]
        seqs = []
        for g, n in plan:
            r = self.sqs.send_message(QueueUrl=url, MessageBody="%s%d" % (g, n),
                                      MessageGroupId=g, MessageDeduplicationId="%s-%d" % (g, n))
            self.assertTrue(r["SequenceNumber"].isdigit(), r)
            seqs.append(int(r["SequenceNumber"]))
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), len(seqs))
        # duplicate (same dedup id) is accepted but not enqueued again
        dup = self.sqs.send_message(QueueUrl=url, MessageBody="A1 again", MessageGroupId="A",
                                    MessageDeduplicationId="A-1")
        self.assertTrue(dup["MessageId"])

        got = self.drain(url, len(plan), AttributeNames=["All"])
        bodies = [m["Body"] for m in got]
        self.assertEqual(len(bodies), len(plan), bodies)
        self.assertNotIn("A1 again", bodies)
        for g in "ABC":
            in_group = [b for b in bodies if b[0] == g]
            self.assertEqual(in_group, sorted(in_group), bodies)
        for m in got:
            self.assertEqual(m["Attributes"]["MessageGroupId"], m["Body"][0])
            self.assertEqual(m["Attributes"]["MessageDeduplicationId"],
                             "%s-%s" % (m["Body"][0], m["Body"][1:]))
            self.assertTrue(m["Attributes"]["SequenceNumber"].isdigit())
        by_body = {b: s for (g, n), s in zip(plan, seqs) for b in ["%s%d" % (g, n)]}
        for m in got:
            self.assertEqual(int(m["Attributes"]["SequenceNumber"]), by_body[m["Body"]])

    def test_group_is_locked_while_in_flight(self):
        url = self.create("lock", fifo=True)
        for i in range(3):
            self.sqs.send_message(QueueUrl=url, MessageBody="g%d" % i, MessageGroupId="g",
                                  MessageDeduplicationId="d%d" % i)
        first = self.receive(url, MaxNumberOfMessages=1)
        self.assertEqual([m["Body"] for m in first], ["g0"])
        self.assertEqual(self.receive(url, MaxNumberOfMessages=10), [])  # g locked by g0
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
        nxt = self.receive(url, MaxNumberOfMessages=10)
        self.assertEqual([m["Body"] for m in nxt][:1], ["g1"])

    def test_content_based_deduplication(self):
        url = self.create("cbd", fifo=True, attributes={"ContentBasedDeduplication": "true"})
        r1 = self.sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
        r2 = self.sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
        self.assertTrue(r1["MessageId"] and r2["MessageId"])
        self.sqs.send_message(QueueUrl=url, MessageBody="different", MessageGroupId="g")
        got = self.drain(url, 2, timeout=3)
        for m in got:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        got += self.drain(url, 1, timeout=2)
        self.assertEqual(sorted(m["Body"] for m in got), ["different", "same"])

    def test_fifo_batch(self):
        url = self.create("fbatch", fifo=True)
        res = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "e%d" % i, "MessageBody": "b%d" % i, "MessageGroupId": "g",
             "MessageDeduplicationId": "bd%d" % i} for i in range(5)])
        self.assertEqual(res.get("Failed", []), [])
        seqs = {e["Id"]: int(e["SequenceNumber"]) for e in res["Successful"]}
        self.assertEqual([seqs["e%d" % i] for i in range(5)], sorted(seqs.values()))
        got = self.drain(url, 5)
        self.assertEqual([m["Body"] for m in got], ["b%d" % i for i in range(5)])

    def test_deduplication_scope_message_group(self):
        url = self.create("dscope", fifo=True, attributes={"DeduplicationScope": "messageGroup",
                                                            "FifoThroughputLimit": "perMessageGroupId"})
        for g in ("g1", "g2", "g1"):
            self.sqs.send_message(QueueUrl=url, MessageBody=g, MessageGroupId=g,
                                  MessageDeduplicationId="same-id")
        got = self.drain(url, 2, timeout=3)
        self.assertEqual(sorted(m["Body"] for m in got), ["g1", "g2"])

    def test_receive_request_attempt_id_retry(self):
        url = self.create("attempt", fifo=True)
        for i in range(3):
            self.sqs.send_message(QueueUrl=url, MessageBody="a%d" % i, MessageGroupId="g%d" % i,
                                  MessageDeduplicationId="a%d" % i)
        first = self.receive(url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1")
        again = self.receive(url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1")
        self.assertEqual(len(first), 2)
        self.assertEqual([m["MessageId"] for m in again], [m["MessageId"] for m in first])
        self.assertEqual([m["ReceiptHandle"] for m in again], [m["ReceiptHandle"] for m in first])
        other = self.receive(url, MaxNumberOfMessages=10, ReceiveRequestAttemptId="attempt-2")
        self.assertEqual(len(other), 1)
        self.assertNotIn(other[0]["MessageId"], [m["MessageId"] for m in first])

    def test_fifo_delete_with_expired_handle_fails(self):
        url = self.create("expired", fifo=True)
        self.sqs.send_message(QueueUrl=url, MessageBody="e", MessageGroupId="g",
                              MessageDeduplicationId="e")
        m = self.receive(url, VisibilityTimeout=1)[0]
        time.sleep(1.5)
        with self.assertRaises(ClientError) as cm:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(err_code(cm), "InvalidParameterValue")

    def test_fifo_requires_group_and_dedup(self):
        url = self.create("freq", fifo=True)
        with self.assertRaises(ClientError) as cm:
            self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
        self.assertEqual(err_code(cm), "MissingParameter")
        with self.assertRaises(ClientError) as cm:
            self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
        self.assertEqual(err_code(cm), "InvalidParameterValue")


class DeadLetters(SqsTestCase):
    def test_dlq_after_max_receive_count(self):
        dlq = self.create("dlq")
        dlq_arn = self.attrs(dlq, "QueueArn")["QueueArn"]
        src = self.create("dlq-src", attributes={
            "VisibilityTimeout": "30",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})
        sent = self.sqs.send_message(QueueUrl=src, MessageBody="poison")
        for n in (1, 2):
            m = self.receive(src, AttributeNames=["ApproximateReceiveCount"])
            self.assertEqual(len(m), 1, "receive %d" % n)
            self.assertEqual(m[0]["Attributes"]["ApproximateReceiveCount"], str(n))
            self.sqs.change_message_visibility(QueueUrl=src, ReceiptHandle=m[0]["ReceiptHandle"],
                                               VisibilityTimeout=0)
        # the third receive attempt moves it to the DLQ instead of delivering it
        self.assertEqual(self.receive(src, WaitTimeSeconds=1), [])
        moved = self.drain(dlq, 1, timeout=5, AttributeNames=["All"])
        self.assertEqual(len(moved), 1)
        self.assertEqual(moved[0]["Body"], "poison")
        self.assertEqual(moved[0]["MessageId"], sent["MessageId"])
        src_arn = self.attrs(src, "QueueArn")["QueueArn"]
        self.assertEqual(moved[0]["Attributes"].get("DeadLetterQueueSourceArn"), src_arn)
        self.assertEqual(self.receive(src), [])

        srcs = self.sqs.list_dead_letter_source_queues(QueueUrl=dlq)
        self.assertEqual(srcs["queueUrls"], [src])
        none = self.sqs.list_dead_letter_source_queues(QueueUrl=src)
        self.assertEqual(none.get("queueUrls", []), [])

    def test_fifo_dlq(self):
        dlq = self.create("fdlq", fifo=True)
        dlq_arn = self.attrs(dlq, "QueueArn")["QueueArn"]
        src = self.create("fdlq-src", fifo=True, attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})
        self.sqs.send_message(QueueUrl=src, MessageBody="p", MessageGroupId="g",
                              MessageDeduplicationId="p1")
        m = self.receive(src)
        self.assertEqual(len(m), 1)
        self.sqs.change_message_visibility(QueueUrl=src, ReceiptHandle=m[0]["ReceiptHandle"],
                                           VisibilityTimeout=0)
        self.assertEqual(self.receive(src, WaitTimeSeconds=1), [])
        moved = self.drain(dlq, 1, timeout=5, AttributeNames=["All"])
        self.assertEqual([x["Body"] for x in moved], ["p"])
        self.assertEqual(moved[0]["Attributes"]["MessageGroupId"], "g")


class TagsPurgeLongPoll(SqsTestCase):
    def test_tags(self):
        url = self.create("tags", tags={"team": "core", "env": "test"})
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"],
                         {"team": "core", "env": "test"})
        self.sqs.tag_queue(QueueUrl=url, Tags={"env": "prod", "owner": "me \u00e9"})
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"],
                         {"team": "core", "env": "prod", "owner": "me \u00e9"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["team", "owner"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"env": "prod"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url).get("Tags", {}), {})

    def test_purge(self):
        url = self.create("purge")
        for i in range(5):
            self.sqs.send_message(QueueUrl=url, MessageBody=str(i))
        self.sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=60)
        self.assertEqual(len(self.receive(url)), 1)  # one in flight
        self.sqs.purge_queue(QueueUrl=url)
        a = self.attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                       "ApproximateNumberOfMessagesDelayed")
        self.assertEqual(set(a.values()), {"0"}, a)
        self.assertEqual(self.receive(url, MaxNumberOfMessages=10), [])
        self.sqs.send_message(QueueUrl=url, MessageBody="after purge")
        self.assertEqual([m["Body"] for m in self.receive(url)], ["after purge"])

    def test_long_poll_times_out_empty(self):
        url = self.create("lp-empty")
        t0 = time.time()
        self.assertEqual(self.receive(url, WaitTimeSeconds=2), [])
        self.assertGreaterEqual(time.time() - t0, 1.8)

    def long_poll_while(self, url, action):
        """Long-polls `url` (10 s) while another client runs `action(client)` after 1 s; returns (messages, seconds)."""
        other = sqstest.client()
        timer = threading.Timer(1.0, lambda: action(other))
        timer.start()
        try:
            t0 = time.time()
            msgs = self.receive(url, WaitTimeSeconds=10)
            return msgs, time.time() - t0
        finally:
            timer.cancel()

    def test_long_poll_wakes_on_send(self):
        url = self.create("lp-wake")
        msgs, elapsed = self.long_poll_while(url, lambda c: c.send_message(QueueUrl=url, MessageBody="wake"))
        self.assertEqual([m["Body"] for m in msgs], ["wake"])
        self.assertGreaterEqual(elapsed, 0.8)
        self.assertLess(elapsed, 5.0)

    def test_long_poll_wakes_on_visibility_change(self):
        url = self.create("lp-cmv")
        self.sqs.send_message(QueueUrl=url, MessageBody="held")
        m = self.receive(url, VisibilityTimeout=300)[0]
        msgs, elapsed = self.long_poll_while(url, lambda c: c.change_message_visibility(
            QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0))
        self.assertEqual([x["Body"] for x in msgs], ["held"])
        self.assertLess(elapsed, 5.0)

    def test_queue_default_wait_time(self):
        url = self.create("lp-default", attributes={"ReceiveMessageWaitTimeSeconds": "2"})
        t0 = time.time()
        r = self.sqs.receive_message(QueueUrl=url)  # no WaitTimeSeconds: queue default applies
        self.assertEqual(r.get("Messages", []), [])
        self.assertGreaterEqual(time.time() - t0, 1.8)


class BadInput(SqsTestCase):
    def test_unknown_queue_is_non_existent_queue(self):
        missing = "%s/%s/%s" % (sqstest.ENDPOINT, ACCOUNT, self.name("does-not-exist"))
        calls = [
            lambda: self.sqs.get_queue_url(QueueName=self.name("does-not-exist")),
            lambda: self.sqs.send_message(QueueUrl=missing, MessageBody="x"),
            lambda: self.sqs.receive_message(QueueUrl=missing),
            lambda: self.sqs.get_queue_attributes(QueueUrl=missing, AttributeNames=["All"]),
            lambda: self.sqs.delete_queue(QueueUrl=missing),
            lambda: self.sqs.purge_queue(QueueUrl=missing),
        ]
        for i, call in enumerate(calls):
            with self.assertRaises(ClientError, msg="call %d" % i) as cm:
                call()
            self.assertEqual(err_code(cm), NON_EXISTENT, "call %d" % i)
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_non_existent_queue_exception_class(self):
        with self.assertRaises(self.sqs.exceptions.QueueDoesNotExist):
            self.sqs.get_queue_url(QueueName=self.name("still-missing"))

    def test_too_many_entries_in_batch(self):
        url = self.create("toomany")
        with self.assertRaises(ClientError) as cm:
            self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": "e%d" % i, "MessageBody": "x"} for i in range(11)])
        self.assertEqual(err_code(cm), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest")
        with self.assertRaises(ClientError) as cm:
            self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": "e%d" % i, "ReceiptHandle": "h%d" % i} for i in range(11)])
        self.assertEqual(err_code(cm), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest")
        self.assertEqual(self.receive(url), [])  # nothing of the rejected batch was sent

    def test_batch_ids_not_distinct(self):
        url = self.create("dupids")
        with self.assertRaises(ClientError) as cm:
            self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": "same", "MessageBody": "1"}, {"Id": "same", "MessageBody": "2"}])
        self.assertEqual(err_code(cm), "AWS.SimpleQueueService.BatchEntryIdsNotDistinct")

    def test_invalid_parameter_values(self):
        url = self.create("badparams")
        with self.assertRaises(ClientError) as cm:
            self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
        self.assertEqual(err_code(cm), "InvalidParameterValue")
        with self.assertRaises(ClientError) as cm:
            self.sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
        self.assertEqual(err_code(cm), "InvalidParameterValue")
        with self.assertRaises(ClientError) as cm:
            self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="never-issued",
                                               VisibilityTimeout=5)
        self.assertEqual(err_code(cm), "ReceiptHandleIsInvalid")

    def test_invalid_attributes(self):
        url = self.create("badattrs")
        with self.assertRaises(ClientError) as cm:
            self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["NoSuchAttribute"])
        self.assertEqual(err_code(cm), "InvalidAttributeName")
        with self.assertRaises(ClientError) as cm:
            self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"NoSuchAttribute": "1"})
        self.assertEqual(err_code(cm), "InvalidAttributeName")
        with self.assertRaises(ClientError) as cm:
            self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "99999"})
        self.assertEqual(err_code(cm), "InvalidAttributeValue")
        with self.assertRaises(ClientError) as cm:
            self.sqs.create_queue(QueueName=self.name("badattrs2"),
                                  Attributes={"DelaySeconds": "not-a-number"})
        self.assertEqual(err_code(cm), "InvalidAttributeValue")

    def test_invalid_queue_names(self):
        for bad in ("has space", "x" * 81, "bad!char"):
            with self.assertRaises(ClientError, msg=bad) as cm:
                self.sqs.create_queue(QueueName=bad)
            self.assertEqual(err_code(cm), "InvalidParameterValue", bad)
        # a FIFO queue must be named *.fifo
        with self.assertRaises(ClientError) as cm:
            self.sqs.create_queue(QueueName=self.name("nofifosuffix"),
                                  Attributes={"FifoQueue": "true"})
        self.assertEqual(err_code(cm), "InvalidParameterValue")


class RealSqsRules(SqsTestCase):
    """What AWS SQS itself does, found in public bug reports against other SQS servers."""

    def test_create_queue_existing_name_different_tags_fails(self):
        url = self.create("tags-conflict", tags={"team": "a"})
        with self.assertRaises(ClientError) as cm:
            self.sqs.create_queue(QueueName=self.name("tags-conflict"), tags={"team": "b"})
        self.assertEqual(err_code(cm), "QueueAlreadyExists")
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "a"})

    def test_empty_value_removes_policy_and_redrive_policy(self):
        dlq = self.create("clear-dlq")
        dlq_arn = self.attrs(dlq, "QueueArn")["QueueArn"]
        url = self.create("clear", attributes={
            "Policy": json.dumps({"Version": "2012-10-17", "Statement": []}),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": "", "RedrivePolicy": ""})
        attrs = self.attrs(url)
        self.assertNotIn("Policy", attrs)
        self.assertNotIn("RedrivePolicy", attrs)

    def test_message_attribute_prefix_filter(self):
        url = self.create("prefix")
        self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
            "CustomA": {"DataType": "String", "StringValue": "1"},
            "Other": {"DataType": "String", "StringValue": "2"}})
        got = self.receive(url, MessageAttributeNames=["Custom.*"])
        self.assertEqual(list(got[0]["MessageAttributes"]), ["CustomA"])

    def test_add_permission_eight_actions_over_limit(self):
        url = self.create("perm-limit")
        with self.assertRaises(ClientError) as cm:
            self.sqs.add_permission(QueueUrl=url, Label="all", AWSAccountIds=["111122223333"], Actions=[
                "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
                "GetQueueAttributes", "GetQueueUrl", "PurgeQueue", "ListDeadLetterSourceQueues"])
        self.assertEqual(err_code(cm), "OverLimit")
        self.assertEqual(cm.exception.response["Error"]["Message"], "8 Actions were found, maximum allowed is 7.")
        self.assertNotIn("Policy", self.attrs(url))

    def test_policy_over_8_kib_refused(self):
        url = self.create("big-policy")
        with self.assertRaises(ClientError) as cm:
            self.sqs.set_queue_attributes(QueueUrl=url, Attributes={
                "Policy": json.dumps({"Version": "2012-10-17", "Id": "x" * (300 * 1024)})})
        self.assertEqual(err_code(cm), "InvalidAttributeValue")
        # SQS's own text first; Sluice adds the rule that was broken after it.
        message = cm.exception.response["Error"]["Message"]
        self.assertTrue(message.startswith("Invalid value for the parameter Policy. Reason: "), message)
        self.assertIn("bytes", message)

    def test_queues_are_separated_by_region(self):
        west1 = sqstest.client("us-west-1")
        west2 = sqstest.client("us-west-2")
        name = self.name("regional")
        url = west1.create_queue(QueueName=name)["QueueUrl"]
        try:
            self.assertEqual(west1.list_queues(QueueNamePrefix=name).get("QueueUrls"), [url])
            self.assertEqual(west2.list_queues(QueueNamePrefix=name).get("QueueUrls", []), [])
            self.assertEqual(self.sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", []), [])
            with self.assertRaises(ClientError) as cm:
                west2.get_queue_url(QueueName=name)
            self.assertEqual(err_code(cm), NON_EXISTENT)
            arn = west1.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self.assertEqual(arn, "arn:aws:sqs:us-west-1:%s:%s" % (ACCOUNT, name))
        finally:
            west1.delete_queue(QueueUrl=url)


class SeedPage(SqsTestCase):
    """The user's page (queue-management-systems.txt), 'AWS SQS (boto3)' snippet, on a FIFO queue."""

    def run_snippet(self, sqs, queue_name):
        url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        payload = {"order_id": "o-1001", "total": 99}
        order_id = payload["order_id"]
        # Send
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(payload),
                         MessageGroupId="orders", MessageDeduplicationId=order_id)  # FIFO
        # Receive (long poll)
        processed = []
        resp = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20, MaxNumberOfMessages=10)
        for msg in resp.get("Messages", []):
            processed.append(json.loads(msg["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
        return url, processed, payload

    def test_seed_page_boto3_snippet(self):
        self.create("jobs", fifo=True)
        url, processed, payload = self.run_snippet(self.sqs, self.name("jobs", fifo=True))
        self.assertEqual(processed, [payload])
        self.assertEqual(self.receive(url), [])

    def test_seed_page_snippet_with_env_endpoint(self):
        """`boto3.client("sqs")` verbatim, endpoint from AWS_ENDPOINT_URL_SQS (botocore >= 1.31.60)."""
        import botocore
        ver = tuple(int(x) for x in botocore.__version__.split(".")[:3])
        if ver < (1, 31, 60):
            self.skipTest("botocore %s has no AWS_ENDPOINT_URL_SQS support" % botocore.__version__)
        import boto3
        self.create("jobs-env", fifo=True)
        saved = dict(os.environ)
        os.environ.update(AWS_ENDPOINT_URL_SQS=sqstest.ENDPOINT, AWS_DEFAULT_REGION=REGION,
                          AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        try:
            sqs = boto3.client("sqs")
            _, processed, payload = self.run_snippet(sqs, self.name("jobs-env", fifo=True))
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.assertEqual(processed, [payload])


class Authentication(SqsTestCase):
    """Signatures are verified (run.sh starts the server with the configured pair test/test and SQS_VERIFIES=1)."""

    def setUp(self):
        if os.environ.get("SQS_VERIFIES") != "1":
            self.skipTest("the server at SQS_ENDPOINT is not known to verify signatures (run.sh sets SQS_VERIFIES=1)")

    def other_client(self, key_id, secret):
        import boto3
        from botocore.config import Config
        return boto3.client("sqs", endpoint_url=sqstest.ENDPOINT, region_name=REGION,
                            aws_access_key_id=key_id, aws_secret_access_key=secret,
                            config=Config(retries={"max_attempts": 1}))

    def test_right_pair_signed_request_works(self):
        url = self.create("auth-ok")
        self.sqs.send_message(QueueUrl=url, MessageBody="signed")
        self.assertEqual([m["Body"] for m in self.drain(url, 1)], ["signed"])

    def test_wrong_secret_signature_does_not_match_and_nothing_sent(self):
        url = self.create("auth-wrong-secret")
        with self.assertRaises(ClientError) as cm:
            self.other_client("test", "not-the-secret").send_message(QueueUrl=url, MessageBody="forged")
        self.assertEqual(err_code(cm), "SignatureDoesNotMatch")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(self.attrs(url, "ApproximateNumberOfMessages")["ApproximateNumberOfMessages"], "0")

    def test_unknown_key_invalid_client_token_id(self):
        with self.assertRaises(ClientError) as cm:
            self.other_client("AKIDNOSUCHKEY", "test").list_queues()
        self.assertEqual(err_code(cm), "InvalidClientTokenId")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)


class Protocol(SqsTestCase):
    def test_report_protocol(self):
        import botocore
        proto = sqstest.protocol()
        sys.stdout.write("[botocore %s speaks %s] " % (botocore.__version__, proto))
        self.assertIn(proto, ("json", "query"))


if __name__ == "__main__":
    sqstest.main(__name__)
