#!/usr/bin/env python3
"""A RoboBridge peer in another language, written against docs/protocol.md with plain pyzmq.

Usage: python_peer.py INBOUND OUTBOUND REQUESTS ROBOT
Publishes sensor data and commands to the bridge, reads its actions and events, asks for a plan over
request/reply, and prints one JSON summary on stdout. Exits non-zero on any timeout.
"""
import json, os, sys, time, uuid
import jsonschema
import zmq

SCHEMAS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "schemas")
schemas = {n[:-len(".schema.json")]: json.load(open(os.path.join(SCHEMAS, n))) for n in os.listdir(SCHEMAS) if n.endswith(".schema.json")}
validated = 0

def check(topic, body):
    """Every message the bridge sends must match docs/schemas/<kind>.schema.json."""
    global validated
    kind = topic.split("/")[1]
    jsonschema.validate(body, schemas[kind])
    validated += 1

inbound, outbound, requests, robot = sys.argv[1:5]
sender = "py-" + uuid.uuid4().hex[:8]
seq = 0
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB); pub.setsockopt(zmq.LINGER, 200); pub.connect(inbound)
sub = ctx.socket(zmq.SUB); sub.setsockopt(zmq.LINGER, 200); sub.connect(outbound)
sub.setsockopt_string(zmq.SUBSCRIBE, robot + "/")
summary = {"sender": sender}

def envelope(**fields):
    global seq
    seq += 1
    body = {"version": 1, "id": f"{sender}-{seq}", "timestamp_ns": time.time_ns(), "robot": robot, "sender": sender, "seq": seq}
    body.update(fields)
    return body

def publish(kind, **fields):
    body = envelope(**fields)
    pub.send_multipart([f"{robot}/{kind}".encode(), json.dumps(body).encode()])
    return body

def wait_for(pred, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if sub.poll(int(max(1, (end - time.time()) * 1000))):
            topic, body = sub.recv_multipart()
            msg = json.loads(body)
            check(topic.decode(), msg)
            msg["_topic"] = topic.decode()
            if pred(msg):
                return msg
    raise SystemExit(f"timeout waiting in python peer (step {summary.get('step')})")

# 1. The bridge's heartbeat says it is up and subscribed: our SUB is connected.
summary["step"] = "heartbeat"
hb = wait_for(lambda m: m["_topic"] == f"{robot}/heartbeat" and m["state"] == "ready")
summary["heartbeat_state"] = hb["state"]
summary["heartbeat_subscribed"] = hb["subscribed"]

# 2. Slow joiner on the bridge's side: send a probe sensor reading until a command gets acknowledged.
summary["step"] = "first ack"
acked = None
for _ in range(100):
    c = publish("command", instruction="go to the kitchen", deadline_ms=2000)
    try:
        acked = wait_for(lambda m: m["_topic"] == f"{robot}/event" and m.get("event") == "ack" and m.get("correlation_id") == c["id"], 0.1)
        break
    except SystemExit:
        continue
if acked is None:
    raise SystemExit("no ack from the bridge")
summary["ack_command_seq"] = acked["command_seq"]

# 3. The command that was acknowledged is answered with an action carrying its id.
summary["step"] = "action"
action = wait_for(lambda m: m["_topic"] == f"{robot}/action" and m.get("correlation_id") == c["id"])
summary["action"] = {"outcome": action["outcome"], "actions": action["actions"]}

# 4. Sensor data, latest value wins.
for x in range(5):
    publish("sensor/pose", data={"x": x, "y": 2.5, "frame": "map"})

# 5. Malformed input is reported, not lost silently.
summary["step"] = "rejected"
pub.send_multipart([f"{robot}/command".encode(), b"{this is not json"])
rej = wait_for(lambda m: m["_topic"] == f"{robot}/event" and m.get("event") == "rejected")
summary["rejected_reason"] = rej["reason"]

# 6. E-stop.
summary["step"] = "estop"
e = publish("estop", reason="python peer pressed the button")
stop = wait_for(lambda m: m["_topic"] == f"{robot}/action" and m.get("correlation_id") == e["id"])
summary["estop_action"] = {"outcome": stop["outcome"], "actions": stop["actions"]}

# 7. Request/reply: guaranteed delivery for a synchronous client.
summary["step"] = "request"
req = ctx.socket(zmq.REQ); req.setsockopt(zmq.LINGER, 200); req.setsockopt(zmq.RCVTIMEO, 5000)
req.connect(requests)
body = envelope(instruction="go to the kitchen", deadline_ms=2000)
req.send_multipart([f"{robot}/translate".encode(), json.dumps(body).encode()])
topic, reply = req.recv_multipart()
reply = json.loads(reply)
check(topic.decode(), reply)
summary["reply_topic"] = topic.decode()
summary["reply"] = {"outcome": reply["outcome"], "actions": reply["actions"], "correlation_id": reply["correlation_id"], "request_id": body["id"]}

del summary["step"]
summary["validated_against_schemas"] = validated
print(json.dumps(summary, sort_keys=True))
for s in (pub, sub, req):
    s.close()
ctx.term()
