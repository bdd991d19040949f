#include "zmq_bench.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct echo_args { void *socket; int count; size_t size; };

static void *echo(void *p) {
    struct echo_args *a = p;
    char *buf = malloc(a->size + 1);
    for (int i = 0; i < a->count; i++) {
        int n = zmq_recv(a->socket, buf, a->size + 1, 0);
        if (n < 0) break;
        if (zmq_send(a->socket, buf, (size_t)n, 0) < 0) break;
    }
    free(buf);
    return NULL;
}

int rb_zmq_roundtrip(const char *endpoint, size_t size, int count, double *out_us) {
    void *ctx = zmq_ctx_new();
    void *server = zmq_socket(ctx, ZMQ_DEALER), *client = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 200, rc = -1;
    zmq_setsockopt(server, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(client, ZMQ_LINGER, &linger, sizeof linger);
    char bound[256];
    size_t len = sizeof bound;
    if (zmq_bind(server, endpoint) != 0 || zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, bound, &len) != 0) goto done;
    if (zmq_connect(client, bound) != 0) goto done;
    struct echo_args args = { server, count + 10, size };
    pthread_t thread;
    pthread_create(&thread, NULL, echo, &args);
    char *msg = malloc(size), *in = malloc(size + 1);
    memset(msg, 'x', size);
    for (int i = 0; i < count + 10; i++) {  // 10 warm-up round trips
        double t0 = now_us();
        if (zmq_send(client, msg, size, 0) < 0 || zmq_recv(client, in, size + 1, 0) < 0) { free(msg); free(in); goto done; }
        if (i >= 10) out_us[i - 10] = now_us() - t0;
    }
    pthread_join(thread, NULL);
    free(msg);
    free(in);
    rc = 0;
done:
    zmq_close(client);
    zmq_close(server);
    zmq_ctx_term(ctx);
    return rc;
}

struct sub_args { void *socket; int count; size_t size; double end; int received; };

static void *subscriber(void *p) {
    struct sub_args *a = p;
    char topic[64], *body = malloc(a->size + 1);
    for (int i = 0; i < a->count; i++) {
        if (zmq_recv(a->socket, topic, sizeof topic, 0) < 0) break;
        if (zmq_recv(a->socket, body, a->size + 1, 0) < 0) break;
        a->received++;
    }
    a->end = now_us();
    free(body);
    return NULL;
}

int rb_zmq_pubsub_throughput(const char *endpoint, size_t size, int count, double *out_rate) {
    void *ctx = zmq_ctx_new();
    void *pub = zmq_socket(ctx, ZMQ_PUB), *sub = zmq_socket(ctx, ZMQ_SUB);
    int zero = 0, linger = 200, rc = -1;
    zmq_setsockopt(pub, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(sub, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "rover/", 6);
    char bound[256];
    size_t len = sizeof bound;
    if (zmq_bind(pub, endpoint) != 0 || zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, bound, &len) != 0) goto done;
    if (zmq_connect(sub, bound) != 0) goto done;
    // Slow joiner: publish a probe until the subscriber sees one.
    for (int tries = 0; tries < 1000; tries++) {
        zmq_send(pub, "rover/probe", 11, ZMQ_SNDMORE);
        zmq_send(pub, "p", 1, 0);
        zmq_pollitem_t item = { sub, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, 5) > 0) break;
    }
    char drain[64];
    while (zmq_recv(sub, drain, sizeof drain, ZMQ_DONTWAIT) >= 0) {}
    struct sub_args args = { sub, count, size, 0, 0 };
    pthread_t thread;
    pthread_create(&thread, NULL, subscriber, &args);
    char *body = malloc(size);
    memset(body, 'y', size);
    double t0 = now_us();
    for (int i = 0; i < count; i++) {
        zmq_send(pub, "rover/sensor/pose", 17, ZMQ_SNDMORE);
        zmq_send(pub, body, size, 0);
    }
    pthread_join(thread, NULL);
    free(body);
    *out_rate = args.received / ((args.end - t0) / 1e6);
    rc = args.received == count ? 0 : -1;
done:
    zmq_close(sub);
    zmq_close(pub);
    zmq_ctx_term(ctx);
    return rc;
}
