#pragma once
#include <stddef.h>

/// Plain-C reference loops on libzmq, for the messaging benchmark: the same work as RoboBridge's
/// Swift wrapper, measured in the same run. Return 0 on success, -1 on a libzmq error.

/// Round trips of one `size`-byte frame between two DEALER sockets (an echo thread binds `endpoint`,
/// "tcp://127.0.0.1:*" allowed). Writes `count` round-trip times in microseconds to `out_us`.
int rb_zmq_roundtrip(const char *endpoint, size_t size, int count, double *out_us);

/// PUB→SUB over `endpoint`: `count` two-frame messages (topic + `size`-byte body); returns messages/s in `out_rate`.
int rb_zmq_pubsub_throughput(const char *endpoint, size_t size, int count, double *out_rate);
