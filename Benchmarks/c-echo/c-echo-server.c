/*
 * c-echo-server: the raw libnats side of the RPC runtime benchmark.
 *
 * Usage: c-echo-server NATS_URL SUBJECT
 *
 * Queue-subscribes (group "q") to SUBJECT and publishes every request's payload, unchanged,
 * to its reply subject. Prints "ready" once the subscription is registered with the server.
 * On SIGTERM or SIGINT it drains the connection (requests already received are answered)
 * and exits 0.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#define DRAIN_TIMEOUT_MS 5000

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)sub;
    (void)closure;
    const char *reply = natsMsg_GetReply(msg);
    if (reply != NULL && reply[0] != '\0') {
        natsStatus s = natsConnection_Publish(nc, reply, natsMsg_GetData(msg),
                                              natsMsg_GetDataLength(msg));
        if (s != NATS_OK)
            fprintf(stderr, "c-echo-server: reply failed: %s\n", natsStatus_GetText(s));
    }
    natsMsg_Destroy(msg);
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err,
                           void *closure)
{
    (void)nc;
    (void)sub;
    (void)closure;
    fprintf(stderr, "c-echo-server: asynchronous error: %s\n", natsStatus_GetText(err));
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s NATS_URL SUBJECT\n", argv[0]);
        return 2;
    }
    const char *url = argv[1];
    const char *subject = argv[2];

    /* Block the signals before libnats starts its threads, so that only sigwait sees them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    int rc = 0;

    /* The same libnats lock spin count as ServiceKit uses (NATSConfiguration.lockSpinCount,
     * default 0; HXB_NATS_LOCK_SPIN sets both sides in hxb-bench), so that the comparison
     * measures ServiceKit, not a different libnats setting. */
    const char *spin = getenv("HXB_NATS_LOCK_SPIN");
    natsStatus s = nats_Open(spin != NULL ? strtoll(spin, NULL, 10) : 0);
    if (s == NATS_OK)
        s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetName(opts, "c-echo-server");
    /* Without this libnats buffers the reply and adds ~1 ms to every round trip. */
    if (s == NATS_OK)
        s = natsOptions_SetSendAsap(opts, true);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(opts, 5000);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(opts, on_async_error, NULL);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK)
        s = natsConnection_QueueSubscribe(&sub, nc, subject, "q", on_request, NULL);
    if (s == NATS_OK)
        s = natsConnection_FlushTimeout(nc, 5000);
    if (s != NATS_OK) {
        const char *detail = nats_GetLastError(NULL);
        fprintf(stderr, "c-echo-server: cannot serve %s on %s: %s (%s)\n", subject, url,
                natsStatus_GetText(s), detail != NULL ? detail : "no details");
        rc = 1;
        goto done;
    }

    printf("ready\n");
    fflush(stdout);

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0) {
    }

    /* Stop taking requests, answer the ones already delivered, flush, close. */
    s = natsConnection_DrainTimeout(nc, DRAIN_TIMEOUT_MS);
    if (s != NATS_OK) {
        fprintf(stderr, "c-echo-server: drain failed: %s\n", natsStatus_GetText(s));
        rc = 1;
    } else {
        struct timespec tick = {0, 10 * 1000 * 1000};
        for (int i = 0; i < (DRAIN_TIMEOUT_MS + 1000) / 10 && !natsConnection_IsClosed(nc); i++)
            nanosleep(&tick, NULL);
        if (!natsConnection_IsClosed(nc)) {
            fprintf(stderr, "c-echo-server: drain did not complete\n");
            rc = 1;
        }
    }

done:
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_CloseAndWait(2000);
    return rc;
}
