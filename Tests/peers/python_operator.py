#!/usr/bin/env python3
"""An operator's script in Python with plain pyzmq, driving `robobridge serve` (a separate process) as
docs/protocol.md describes: wait for the ready heartbeat, send a command and read its ack, the streamed
actions and the outcome; e-stop; ask for stats over request/reply. Prints one JSON summary on stdout.

Usage: python_operator.py COMMAND_ENDPOINT PUBLISH_ENDPOINT TRANSLATE_ENDPOINT ROBOT [CLIENT_KEY_SECRET SERVER_KEY]

With the two key files (written by `robobridge keygen`, read here with pyzmq's own zmq.auth), every socket
speaks CurveZMQ, as a bridge with `security` requires.
"""
import json, sys, time, uuid
import zmq, zmq.auth

command_ep, publish_ep, translate_ep, robot = sys.argv[1:5]
sender = "py-op-" + uuid.uuid4().hex[:8]
seq = 0
ctx = zmq.Context()

def secure(socket):
    if len(sys.argv) > 6:
        public, secret = zmq.auth.load_certificate(sys.argv[5])
        server, _ = zmq.auth.load_certificate(sys.argv[6])
        socket.curve_publickey, socket.curve_secretkey, socket.curve_serverkey = public, secret, server
    return socket

pub = secure(ctx.socket(zmq.PUB)); pub.setsockopt(zmq.LINGER, 200); pub.connect(command_ep)
sub = secure(ctx.socket(zmq.SUB)); sub.setsockopt(zmq.LINGER, 200); sub.connect(publish_ep)
sub.setsockopt_string(zmq.SUBSCRIBE, robot + "/")
summary = {}

def body(**fields):
    global seq
    seq += 1
    b = {"version": 1, "id": f"{sender}-{seq}", "timestamp_ns": time.time_ns(), "robot": robot, "sender": sender, "seq": seq}
    b.update(fields)
    return b

def publish(kind, b):
    pub.send_multipart([f"{robot}/{kind}".encode(), json.dumps(b).encode()])

def receive(timeout):
    if sub.poll(int(timeout * 1000)):
        topic, raw = sub.recv_multipart()
        return topic.decode(), json.loads(raw)
    return None, None

def until(pred, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        topic, msg = receive(max(0.001, end - time.time()))
        if topic and pred(topic, msg):
            return topic, msg
    raise SystemExit(f"timeout in python operator at step {summary.get('step')}")

summary["step"] = "ready"
until(lambda t, m: t == f"{robot}/heartbeat" and m["state"] == "ready", 180)

# A command, resent with the same id and a new seq until acknowledged (slow joiner).
summary["step"] = "command"
cid = f"{sender}-cmd"
for _ in range(100):
    publish("command", body(instruction="bring the apple to the coffee table", deadline_ms=30000) | {"id": cid})
    try:
        until(lambda t, m: m.get("event") == "ack" and m.get("correlation_id") == cid, 0.3)
        break
    except SystemExit:
        continue
actions, indices, finals = [], [], []
while True:
    t, m = until(lambda t, m: m.get("correlation_id") == cid)
    if t == f"{robot}/action":
        actions += [a["name"] for a in m["actions"]]
        indices.append(m["index"]); finals.append(m["final"])
    elif m.get("event") == "outcome":
        summary["outcome"] = m["outcome"]
        summary["first_action_ms"] = m.get("first_action_ms")
        break
summary["actions"] = actions
summary["indices"] = indices
summary["finals"] = finals

summary["step"] = "estop"
e = body(reason="python operator")
publish("estop", e)
t, m = until(lambda t, m: t == f"{robot}/action" and m.get("correlation_id") == e["id"], 5)
summary["estop_actions"] = [a["name"] for a in m["actions"]]

summary["step"] = "stats"
req = secure(ctx.socket(zmq.REQ)); req.setsockopt(zmq.LINGER, 200); req.setsockopt(zmq.RCVTIMEO, 5000)
req.connect(translate_ep)
req.send_multipart([f"{robot}/stats".encode(), json.dumps(body()).encode()])
topic, raw = req.recv_multipart()
stats = json.loads(raw)
summary["stats_topic"] = topic.decode()
summary["stats_commands"] = stats["data"]["commands"]
summary["stats_outcomes"] = stats["data"]["outcomes"]

del summary["step"]
print(json.dumps(summary, sort_keys=True))
for s in (pub, sub, req):
    s.close()
ctx.term()
