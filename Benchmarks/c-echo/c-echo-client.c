/*
 * c-echo-client: the raw libnats side of the RPC runtime benchmark.
 *
 * Usage: c-echo-client NATS_URL SUBJECT PAYLOAD_BYTES WARMUP N CONCURRENCY
 *
 * Sends WARMUP unmeasured requests, then N measured ones, each with a PAYLOAD_BYTES payload,
 * from CONCURRENCY threads sharing one connection (each thread runs its own sequential
 * natsConnection_Request loop; 1 = fully sequential). Every reply must equal its request.
 * Prints one JSON line:
 *   {"n":..,"concurrency":..,"payload_bytes":..,"p50_us":..,"p90_us":..,"p99_us":..,
 *    "mean_us":..,"rps":..}
 * Latencies are per round trip (CLOCK_MONOTONIC); rps is N divided by the wall time of the
 * measured phase. Exit status: 0 ok, 1 a request failed or a reply differed, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#define REQUEST_TIMEOUT_MS 5000

typedef struct {
    int id;
    long warmup;   /* unmeasured requests of this thread */
    long n;        /* measured requests of this thread */
    uint64_t *lat; /* n round-trip times in ns */
} Worker;

static natsConnection *g_nc;
static const char *g_subject;
static long g_payload_bytes;
static pthread_barrier_t g_barrier;
static atomic_bool g_failed;

/* Marks the run failed; only the first failure is reported (other threads fail alike). */
static void fail(const char *fmt, ...)
{
    if (atomic_exchange(&g_failed, true))
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("c-echo-client: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One request; returns false (after calling fail) on any failure or mismatch. */
static bool round_trip(Worker *w, unsigned char *buf, uint64_t seq, uint64_t *elapsed)
{
    /* A distinct payload per request, so a misrouted reply is caught. */
    uint64_t tag = ((uint64_t)w->id << 48) | seq;
    memcpy(buf, &tag, g_payload_bytes < 8 ? (size_t)g_payload_bytes : 8);

    natsMsg *reply = NULL;
    uint64_t t0 = now_ns();
    natsStatus s = natsConnection_Request(&reply, g_nc, g_subject, buf, (int)g_payload_bytes,
                                          REQUEST_TIMEOUT_MS);
    uint64_t t1 = now_ns();
    *elapsed = t1 - t0;

    if (s == NATS_NO_RESPONDERS) {
        fail("no responders on %s (is c-echo-server running?)", g_subject);
        return false;
    }
    if (s == NATS_TIMEOUT) {
        fail("request timed out after %d ms", REQUEST_TIMEOUT_MS);
        return false;
    }
    if (s != NATS_OK) {
        fail("request failed: %s", natsStatus_GetText(s));
        return false;
    }
    bool same = natsMsg_GetDataLength(reply) == (int)g_payload_bytes &&
                (g_payload_bytes == 0 ||
                 memcmp(natsMsg_GetData(reply), buf, (size_t)g_payload_bytes) == 0);
    if (!same)
        fail("reply of %d bytes differs from the %ld-byte request", natsMsg_GetDataLength(reply),
             g_payload_bytes);
    natsMsg_Destroy(reply);
    return same;
}

static void *run_worker(void *arg)
{
    Worker *w = arg;
    unsigned char *buf = malloc((size_t)g_payload_bytes + 8);
    if (buf == NULL) {
        fail("out of memory");
    } else {
        for (long i = 0; i < g_payload_bytes; i++)
            buf[i] = (unsigned char)(i * 31 + 7);
    }

    uint64_t seq = 0;
    uint64_t elapsed;
    for (long i = 0; buf != NULL && i < w->warmup && !atomic_load(&g_failed); i++) {
        round_trip(w, buf, seq++, &elapsed);
    }
    /* Every thread reaches the barrier exactly once, failed or not. */
    pthread_barrier_wait(&g_barrier);
    for (long i = 0; buf != NULL && i < w->n && !atomic_load(&g_failed); i++) {
        round_trip(w, buf, seq++, &elapsed);
        w->lat[i] = elapsed;
    }
    free(buf);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array, in microseconds. */
static double percentile_us(const uint64_t *sorted, long n, double q)
{
    long rank = (long)ceil(q * (double)n);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)sorted[rank - 1] / 1000.0;
}

static bool parse_long(const char *text, const char *name, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "c-echo-client: %s must be an integer in [%ld, %ld], got \"%s\"\n", name,
                min, max, text);
        return false;
    }
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s NATS_URL SUBJECT PAYLOAD_BYTES WARMUP N CONCURRENCY\n",
                argv[0]);
        return 2;
    }
    long warmup, n, concurrency;
    if (!parse_long(argv[3], "PAYLOAD_BYTES", 0, 64L * 1024 * 1024, &g_payload_bytes) ||
        !parse_long(argv[4], "WARMUP", 0, 1000000000L, &warmup) ||
        !parse_long(argv[5], "N", 1, 1000000000L, &n) ||
        !parse_long(argv[6], "CONCURRENCY", 1, 4096, &concurrency))
        return 2;
    if (concurrency > n)
        concurrency = n;
    g_subject = argv[2];

    natsOptions *opts = NULL;
    /* The same libnats lock spin count as ServiceKit uses (NATSConfiguration.lockSpinCount,
     * default 0; HXB_NATS_LOCK_SPIN sets both sides in hxb-bench), so that the comparison
     * measures ServiceKit, not a different libnats setting. */
    const char *spin = getenv("HXB_NATS_LOCK_SPIN");
    natsStatus s = nats_Open(spin != NULL ? strtoll(spin, NULL, 10) : 0);
    if (s == NATS_OK)
        s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, argv[1]);
    if (s == NATS_OK)
        s = natsOptions_SetName(opts, "c-echo-client");
    /* Without this libnats buffers the request and adds ~1 ms to every round trip. */
    if (s == NATS_OK)
        s = natsOptions_SetSendAsap(opts, true);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(opts, 5000);
    if (s == NATS_OK)
        s = natsConnection_Connect(&g_nc, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK) {
        const char *detail = nats_GetLastError(NULL);
        fprintf(stderr, "c-echo-client: cannot connect to %s: %s (%s)\n", argv[1],
                natsStatus_GetText(s), detail != NULL ? detail : "no details");
        nats_CloseAndWait(2000);
        return 1;
    }
    if (g_payload_bytes > natsConnection_GetMaxPayload(g_nc)) {
        fprintf(stderr, "c-echo-client: PAYLOAD_BYTES %ld exceeds the server's max payload %" PRId64
                        "\n", g_payload_bytes, natsConnection_GetMaxPayload(g_nc));
        natsConnection_Destroy(g_nc);
        nats_CloseAndWait(2000);
        return 2;
    }

    uint64_t *lat = calloc((size_t)n, sizeof(uint64_t));
    Worker *workers = calloc((size_t)concurrency, sizeof(Worker));
    pthread_t *threads = calloc((size_t)concurrency, sizeof(pthread_t));
    if (lat == NULL || workers == NULL || threads == NULL) {
        fprintf(stderr, "c-echo-client: out of memory\n");
        return 1;
    }
    pthread_barrier_init(&g_barrier, NULL, (unsigned)concurrency + 1);

    long offset = 0;
    for (long t = 0; t < concurrency; t++) {
        Worker *w = &workers[t];
        w->id = (int)t;
        w->warmup = warmup / concurrency + (t < warmup % concurrency ? 1 : 0);
        w->n = n / concurrency + (t < n % concurrency ? 1 : 0);
        w->lat = lat + offset;
        offset += w->n;
        int err = pthread_create(&threads[t], NULL, run_worker, w);
        if (err != 0) {
            fprintf(stderr, "c-echo-client: pthread_create: %s\n", strerror(err));
            return 1; /* threads already started block on the barrier; just leave */
        }
    }

    pthread_barrier_wait(&g_barrier); /* every warm-up is done */
    uint64_t start = now_ns();
    for (long t = 0; t < concurrency; t++)
        pthread_join(threads[t], NULL);
    uint64_t wall = now_ns() - start;

    int rc = 0;
    if (atomic_load(&g_failed)) {
        rc = 1;
    } else {
        double sum = 0;
        for (long i = 0; i < n; i++)
            sum += (double)lat[i];
        qsort(lat, (size_t)n, sizeof(uint64_t), cmp_u64);
        printf("{\"n\":%ld,\"concurrency\":%ld,\"payload_bytes\":%ld,\"p50_us\":%.1f,"
               "\"p90_us\":%.1f,\"p99_us\":%.1f,\"mean_us\":%.1f,\"rps\":%.1f}\n",
               n, concurrency, g_payload_bytes, percentile_us(lat, n, 0.50),
               percentile_us(lat, n, 0.90), percentile_us(lat, n, 0.99),
               sum / (double)n / 1000.0, (double)n / ((double)wall / 1e9));
        fflush(stdout);
    }

    pthread_barrier_destroy(&g_barrier);
    free(threads);
    free(workers);
    free(lat);
    natsConnection_Destroy(g_nc);
    nats_CloseAndWait(2000);
    return rc;
}
