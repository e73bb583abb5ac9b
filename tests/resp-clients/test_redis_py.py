"""redis-py (Debian python3-redis) against Sluice's RESP face.

Usage: python3 test_redis_py.py HOST PORT
Runs each check, prints "ok <name>" or "FAIL <name>: <why>", and ends with "redis-py: N passed, N failed".
Exits 1 when a check failed.
"""
import sys
import threading
import traceback

import redis

HOST, PORT = sys.argv[1], int(sys.argv[2])
checks = []


def check(fn):
    checks.append(fn)
    return fn


@check
def issue_snippet_runs_unchanged():
    processed = []

    def process(data):
        processed.append(data)

    # --- the code from the issue, unchanged but for host and port ---
    r = redis.Redis(host=HOST, port=PORT)
    r.xgroup_create("orders", "fulfillment", id="0", mkstream=True)
    r.xadd("orders", {"id": "42", "total": "99"})
    msgs = r.xreadgroup("fulfillment", "worker-1", {"orders": ">"}, count=10, block=5000)
    for stream, entries in msgs or []:
        for mid, data in entries:
            process(data); r.xack("orders", "fulfillment", mid)
    # ---
    assert processed == [{b"id": b"42", b"total": b"99"}], processed
    assert r.xpending("orders", "fulfillment")["pending"] == 0


@check
def pipeline_transaction_is_multi_exec():
    r = redis.Redis(host=HOST, port=PORT)
    with r.pipeline() as p:
        p.xadd("pipe", {"a": "1"}, id="1-1")
        p.xadd("pipe", {"a": "2"}, id="1-2")
        p.xlen("pipe")
        assert p.execute() == [b"1-1", b"1-2", 2]


@check
def errors_are_redis_errors():
    r = redis.Redis(host=HOST, port=PORT)
    r.xadd("errs", {"a": "1"}, id="5-5")
    try:
        r.xadd("errs", {"a": "1"}, id="5-5")
        raise AssertionError("no error")
    except redis.ResponseError as e:
        assert str(e) == "The ID specified in XADD is equal or smaller than the target stream top item", str(e)
    try:
        r.xgroup_create("errs", "g", id="0")
        r.xgroup_create("errs", "g", id="0")
        raise AssertionError("no error")
    except redis.ResponseError as e:
        assert str(e) == "BUSYGROUP Consumer Group name already exists", str(e)
    try:
        r.xreadgroup("nope", "c", {"errs": ">"})
        raise AssertionError("no error")
    except redis.ResponseError as e:
        assert str(e) == "NOGROUP No such key 'errs' or consumer group 'nope' in XREADGROUP with GROUP option", str(e)


@check
def pending_claim_and_info():
    r = redis.Redis(host=HOST, port=PORT, decode_responses=True)
    r.xgroup_create("jobs", "g", id="0", mkstream=True)
    ids = [r.xadd("jobs", {"n": str(i)}) for i in range(3)]
    r.xreadgroup("g", "alice", {"jobs": ">"}, count=3)
    pending = r.xpending_range("jobs", "g", min="-", max="+", count=10)
    assert [p["message_id"] for p in pending] == ids, pending
    assert all(p["consumer"] == "alice" for p in pending)
    claimed = r.xclaim("jobs", "g", "bob", min_idle_time=0, message_ids=[ids[0]])
    assert claimed[0][0] == ids[0] and claimed[0][1] == {"n": "0"}, claimed
    nxt, entries, deleted = r.xautoclaim("jobs", "g", "carol", min_idle_time=0, start_id="0-0", count=2)
    assert [e[0] for e in entries] == ids[:2], entries
    info = r.xinfo_stream("jobs")
    assert info["length"] == 3 and info["groups"] == 1, info
    groups = r.xinfo_groups("jobs")
    assert groups[0]["name"] == "g" and groups[0]["pending"] == 3, groups
    consumers = {c["name"]: c["pending"] for c in r.xinfo_consumers("jobs", "g")}
    assert consumers == {"alice": 1, "bob": 0, "carol": 2}, consumers
    assert r.xack("jobs", "g", *ids) == 3
    assert r.xtrim("jobs", maxlen=1, approximate=False) == 2
    assert r.xlen("jobs") == 1
    assert r.type("jobs") == "stream" and r.exists("jobs") == 1
    assert "jobs" in r.keys("*")
    assert r.delete("jobs") == 1 and r.exists("jobs") == 0


@check
def blocking_read_woken_by_other_connection():
    r = redis.Redis(host=HOST, port=PORT)
    r.xadd("wake", {"x": "0"}, id="1-0")
    result = {}

    def reader():
        c = redis.Redis(host=HOST, port=PORT)
        result["msgs"] = c.xread({"wake": "$"}, block=0)

    t = threading.Thread(target=reader)
    t.start()
    # Wait until the reader is blocked (INFO's blocked_clients), then append from this connection.
    while r.info("clients")["blocked_clients"] < 1:
        pass
    r.xadd("wake", {"x": "1"}, id="2-0")
    t.join(30)
    assert not t.is_alive(), "reader still blocked"
    assert result["msgs"] == [[b"wake", [(b"2-0", {b"x": b"1"})]]], result


passed = failed = 0
for fn in checks:
    try:
        fn()
        print(f"ok {fn.__name__}")
        passed += 1
    except Exception as e:  # noqa: BLE001 - report every failure
        print(f"FAIL {fn.__name__}: {e!r}")
        traceback.print_exc()
        failed += 1
print(f"redis-py: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
