/*
 * hxb-c-client: calls the Hexabase auth service from plain C (libnats + protobuf-c).
 *
 * Proof that any protobuf-c program can use the suite's RPC contract (DESIGN.md §4):
 * NATS request/reply on hxb.auth.v1.<Method>, protobuf bodies, errors as the
 * Nats-Service-Error / Nats-Service-Error-Code headers plus an optional
 * hexabase.common.v1.ErrorDetail body.
 *
 * Usage: hxb-c-client NATS_URL [EMAIL]
 *
 * Steps: SignUp (new user), SignUp again (expects 409), Login, GetJWKS.
 * Exit status: 0 every step behaved as expected, 1 a step did not, 2 usage,
 *              3 cannot connect, 4 no responders, 5 timeout, 6 other NATS error.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <nats/nats.h>
#include <protobuf-c/protobuf-c.h>

#include "hexabase/auth/v1/auth.pb-c.h"
#include "hexabase/common/v1/error.pb-c.h"

#define REQUEST_TIMEOUT_MS 5000
#define CONNECT_TIMEOUT_MS 5000
#define SUBJECT_PREFIX "hxb.auth.v1."

enum {
    EXIT_OK = 0,
    EXIT_UNEXPECTED = 1,
    EXIT_USAGE = 2,
    EXIT_CONNECT = 3,
    EXIT_NO_RESPONDERS = 4,
    EXIT_TIMEOUT = 5,
    EXIT_NATS = 6,
};

/* Outcome of one RPC. */
typedef enum {
    RPC_OK,            /* a reply without error headers; *out holds the decoded message */
    RPC_SERVICE_ERROR, /* a reply with Nats-Service-Error(-Code) headers */
    RPC_NO_RESPONDERS, /* nobody subscribes to the subject (NATS status 503) */
    RPC_TIMEOUT,       /* nothing came back within REQUEST_TIMEOUT_MS */
    RPC_NATS_ERROR,    /* any other NATS failure */
    RPC_DECODE_ERROR,  /* the reply body is not the expected protobuf message */
} RpcResult;

typedef struct {
    int code;          /* Nats-Service-Error-Code, 0 if absent or not numeric */
    char message[512]; /* Nats-Service-Error */
} ServiceError;

static void random_hex(char *out, size_t nbytes)
{
    unsigned char buf[32];
    if (nbytes > sizeof(buf))
        nbytes = sizeof(buf);
    size_t got = 0;
    while (got < nbytes) {
        ssize_t n = getrandom(buf + got, nbytes - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* Extremely unlikely; fall back to something that is still unique enough. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            srand((unsigned)(ts.tv_nsec ^ ts.tv_sec));
            for (; got < nbytes; got++)
                buf[got] = (unsigned char)rand();
            break;
        }
        got += (size_t)n;
    }
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = digits[buf[i] >> 4];
        out[2 * i + 1] = digits[buf[i] & 0xf];
    }
    out[2 * nbytes] = '\0';
}

/* libnats' text for the last error of this thread, never NULL. */
static const char *last_error(void)
{
    const char *e = nats_GetLastError(NULL);
    return (e != NULL && e[0] != '\0') ? e : "no details";
}

static int64_t unix_ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int exit_code_for(RpcResult r)
{
    switch (r) {
    case RPC_NO_RESPONDERS: return EXIT_NO_RESPONDERS;
    case RPC_TIMEOUT:       return EXIT_TIMEOUT;
    case RPC_NATS_ERROR:    return EXIT_NATS;
    default:                return EXIT_UNEXPECTED;
    }
}

/* Prints the optional hexabase.common.v1.ErrorDetail body of an error reply. */
static void print_error_detail(const char *data, int len)
{
    if (data == NULL || len <= 0) {
        printf("    (no ErrorDetail body)\n");
        return;
    }
    Hexabase__Common__V1__ErrorDetail *d =
        hexabase__common__v1__error_detail__unpack(NULL, (size_t)len, (const uint8_t *)data);
    if (d == NULL) {
        printf("    (body of %d bytes is not a hexabase.common.v1.ErrorDetail)\n", len);
        return;
    }
    printf("    ErrorDetail: code=\"%s\" message=\"%s\" request_id=\"%s\"\n",
           d->code, d->message, d->request_id);
    for (size_t i = 0; i < d->n_field_violations; i++) {
        const Hexabase__Common__V1__FieldViolation *v = d->field_violations[i];
        printf("      field \"%s\": %s\n", v->field, v->description);
    }
    hexabase__common__v1__error_detail__free_unpacked(d, NULL);
}

/*
 * Sends `request` to hxb.auth.v1.<method> and waits up to REQUEST_TIMEOUT_MS for the reply.
 * On RPC_OK, *out is the reply decoded as `reply_desc` (free with
 * protobuf_c_message_free_unpacked). On RPC_SERVICE_ERROR, *err is filled in and the
 * error is printed.
 */
static RpcResult call(natsConnection *nc, const char *method, const ProtobufCMessage *request,
                      const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **out,
                      ServiceError *err)
{
    char subject[128];
    char request_id[64];
    char deadline[32];
    char hex[33];
    natsMsg *req = NULL;
    natsMsg *reply = NULL;
    RpcResult result = RPC_NATS_ERROR;

    *out = NULL;
    if (err != NULL) {
        err->code = 0;
        err->message[0] = '\0';
    }

    snprintf(subject, sizeof(subject), SUBJECT_PREFIX "%s", method);

    size_t body_len = protobuf_c_message_get_packed_size(request);
    uint8_t *body = malloc(body_len + 1); /* +1: never malloc(0) for empty messages */
    if (body == NULL) {
        fprintf(stderr, "error: out of memory\n");
        return RPC_NATS_ERROR;
    }
    protobuf_c_message_pack(request, body);

    natsStatus s = natsMsg_Create(&req, subject, NULL, (const char *)body, (int)body_len);
    free(body);
    /* Optional request headers of DESIGN §4: a request id for support, and our deadline. */
    random_hex(hex, 16);
    snprintf(request_id, sizeof(request_id), "c-client-%s", hex);
    snprintf(deadline, sizeof(deadline), "%" PRId64, unix_ms_now() + REQUEST_TIMEOUT_MS);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(req, "Hxb-Request-Id", request_id);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(req, "Hxb-Deadline", deadline);
    if (s == NATS_OK)
        s = natsConnection_RequestMsg(&reply, nc, req, REQUEST_TIMEOUT_MS);

    if (s == NATS_NO_RESPONDERS || (s == NATS_OK && natsMsg_IsNoResponders(reply))) {
        fprintf(stderr, "error: %s: no responders (nothing is subscribed to %s; is the auth "
                        "service running?)\n", method, subject);
        result = RPC_NO_RESPONDERS;
        goto done;
    }
    if (s == NATS_TIMEOUT) {
        fprintf(stderr, "error: %s: timed out after %d ms waiting for a reply on %s "
                        "(a responder exists but did not answer)\n",
                method, REQUEST_TIMEOUT_MS, subject);
        result = RPC_TIMEOUT;
        goto done;
    }
    if (s != NATS_OK) {
        fprintf(stderr, "error: %s: NATS request failed: %s (%s)\n", method,
                natsStatus_GetText(s), last_error());
        result = RPC_NATS_ERROR;
        goto done;
    }

    const char *err_msg = NULL;
    const char *err_code = NULL;
    bool has_msg = natsMsgHeader_Get(reply, "Nats-Service-Error", &err_msg) == NATS_OK;
    bool has_code = natsMsgHeader_Get(reply, "Nats-Service-Error-Code", &err_code) == NATS_OK;
    if (has_msg || has_code) {
        int code = 0;
        if (has_code) {
            char *end = NULL;
            long v = strtol(err_code, &end, 10);
            if (end != err_code && *end == '\0' && v > 0 && v < 1000)
                code = (int)v;
        }
        printf("  %s returned a service error: code=%s message=\"%s\"\n", method,
               has_code ? err_code : "(missing)", has_msg ? err_msg : "");
        print_error_detail(natsMsg_GetData(reply), natsMsg_GetDataLength(reply));
        if (err != NULL) {
            err->code = code;
            snprintf(err->message, sizeof(err->message), "%s", has_msg ? err_msg : "");
        }
        result = RPC_SERVICE_ERROR;
        goto done;
    }

    *out = protobuf_c_message_unpack(reply_desc, NULL, (size_t)natsMsg_GetDataLength(reply),
                                     (const uint8_t *)natsMsg_GetData(reply));
    if (*out == NULL) {
        fprintf(stderr, "error: %s: the %d-byte reply is not a valid %s\n", method,
                natsMsg_GetDataLength(reply), reply_desc->name);
        result = RPC_DECODE_ERROR;
        goto done;
    }
    result = RPC_OK;

done:
    natsMsg_Destroy(reply);
    natsMsg_Destroy(req);
    return result;
}

static void print_user(const char *indent, const Hexabase__Auth__V1__User *u)
{
    printf("%sid:          %s\n", indent, u->id);
    printf("%semail:       %s\n", indent, u->email);
    if (u->display_name[0] != '\0')
        printf("%sdisplay:     %s\n", indent, u->display_name);
    if (u->create_time != NULL)
        printf("%screate_time: %" PRId64 " (Unix seconds)\n", indent, u->create_time->seconds);
    else
        printf("%screate_time: (not set)\n", indent);
}

static int step_sign_up(natsConnection *nc, const char *email, const char *password,
                        char *user_id, size_t user_id_size)
{
    printf("1. SignUp %s\n", email);
    Hexabase__Auth__V1__SignUpRequest req = HEXABASE__AUTH__V1__SIGN_UP_REQUEST__INIT;
    req.email = (char *)email;
    req.password = (char *)password;
    req.display_name = "C client";

    ProtobufCMessage *out = NULL;
    ServiceError err;
    RpcResult r = call(nc, "SignUp", &req.base, &hexabase__auth__v1__sign_up_response__descriptor,
                       &out, &err);
    if (r == RPC_SERVICE_ERROR) {
        fprintf(stderr, "FAIL: SignUp of a new user was refused (%d: %s)\n", err.code, err.message);
        return EXIT_UNEXPECTED;
    }
    if (r != RPC_OK)
        return exit_code_for(r);

    int rc = EXIT_OK;
    Hexabase__Auth__V1__SignUpResponse *resp = (Hexabase__Auth__V1__SignUpResponse *)out;
    const Hexabase__Auth__V1__User *u = resp->user;
    if (u == NULL) {
        fprintf(stderr, "FAIL: SignUp reply has no user\n");
        rc = EXIT_UNEXPECTED;
    } else {
        print_user("   ", u);
        if (u->id[0] == '\0') {
            fprintf(stderr, "FAIL: SignUp reply: user.id is empty\n");
            rc = EXIT_UNEXPECTED;
        }
        if (strcasecmp(u->email, email) != 0) {
            fprintf(stderr, "FAIL: SignUp reply: user.email \"%s\" is not \"%s\"\n", u->email,
                    email);
            rc = EXIT_UNEXPECTED;
        }
        if (u->create_time == NULL) {
            fprintf(stderr, "FAIL: SignUp reply: user.create_time is not set\n");
            rc = EXIT_UNEXPECTED;
        }
        snprintf(user_id, user_id_size, "%s", u->id);
    }
    protobuf_c_message_free_unpacked(out, NULL);
    return rc;
}

static int step_sign_up_again(natsConnection *nc, const char *email, const char *password)
{
    printf("2. SignUp %s again (expecting 409)\n", email);
    Hexabase__Auth__V1__SignUpRequest req = HEXABASE__AUTH__V1__SIGN_UP_REQUEST__INIT;
    req.email = (char *)email;
    req.password = (char *)password;

    ProtobufCMessage *out = NULL;
    ServiceError err;
    RpcResult r = call(nc, "SignUp", &req.base, &hexabase__auth__v1__sign_up_response__descriptor,
                       &out, &err);
    if (r == RPC_OK) {
        protobuf_c_message_free_unpacked(out, NULL);
        fprintf(stderr, "FAIL: the second SignUp with the same e-mail succeeded\n");
        return EXIT_UNEXPECTED;
    }
    if (r != RPC_SERVICE_ERROR)
        return exit_code_for(r);
    if (err.code != 409) {
        fprintf(stderr, "FAIL: the second SignUp failed with code %d, expected 409\n", err.code);
        return EXIT_UNEXPECTED;
    }
    printf("   got 409 as expected\n");
    return EXIT_OK;
}

static int step_login(natsConnection *nc, const char *email, const char *password,
                      const char *user_id)
{
    printf("3. Login %s\n", email);
    Hexabase__Auth__V1__LoginRequest req = HEXABASE__AUTH__V1__LOGIN_REQUEST__INIT;
    req.email = (char *)email;
    req.password = (char *)password;

    ProtobufCMessage *out = NULL;
    ServiceError err;
    RpcResult r = call(nc, "Login", &req.base, &hexabase__auth__v1__login_response__descriptor,
                       &out, &err);
    if (r == RPC_SERVICE_ERROR) {
        fprintf(stderr, "FAIL: Login was refused (%d: %s)\n", err.code, err.message);
        return EXIT_UNEXPECTED;
    }
    if (r != RPC_OK)
        return exit_code_for(r);

    int rc = EXIT_OK;
    Hexabase__Auth__V1__LoginResponse *resp = (Hexabase__Auth__V1__LoginResponse *)out;
    printf("   token_type:   %s\n", resp->token_type);
    printf("   expires_in:   %" PRId32 " s\n", resp->expires_in);
    printf("   access_token: %.16s... (%zu chars)\n", resp->access_token,
           strlen(resp->access_token));
    if (resp->access_token[0] == '\0') {
        fprintf(stderr, "FAIL: Login reply: access_token is empty\n");
        rc = EXIT_UNEXPECTED;
    }
    if (strcmp(resp->token_type, "Bearer") != 0) {
        fprintf(stderr, "FAIL: Login reply: token_type is \"%s\", expected \"Bearer\"\n",
                resp->token_type);
        rc = EXIT_UNEXPECTED;
    }
    if (resp->expires_in <= 0) {
        fprintf(stderr, "FAIL: Login reply: expires_in is %" PRId32 "\n", resp->expires_in);
        rc = EXIT_UNEXPECTED;
    }
    if (resp->user != NULL && user_id[0] != '\0' && strcmp(resp->user->id, user_id) != 0) {
        fprintf(stderr, "FAIL: Login reply: user.id \"%s\" is not the signed-up \"%s\"\n",
                resp->user->id, user_id);
        rc = EXIT_UNEXPECTED;
    }
    protobuf_c_message_free_unpacked(out, NULL);
    return rc;
}

static int step_jwks(natsConnection *nc)
{
    printf("4. GetJWKS\n");
    Hexabase__Auth__V1__GetJWKSRequest req = HEXABASE__AUTH__V1__GET_JWKSREQUEST__INIT;

    ProtobufCMessage *out = NULL;
    ServiceError err;
    RpcResult r = call(nc, "GetJWKS", &req.base,
                       &hexabase__auth__v1__get_jwksresponse__descriptor, &out, &err);
    if (r == RPC_SERVICE_ERROR) {
        fprintf(stderr, "FAIL: GetJWKS was refused (%d: %s)\n", err.code, err.message);
        return EXIT_UNEXPECTED;
    }
    if (r != RPC_OK)
        return exit_code_for(r);

    int rc = EXIT_OK;
    Hexabase__Auth__V1__GetJWKSResponse *resp = (Hexabase__Auth__V1__GetJWKSResponse *)out;
    printf("   jwks_json: %zu bytes\n", strlen(resp->jwks_json));
    if (strstr(resp->jwks_json, "\"keys\"") == NULL) {
        fprintf(stderr, "FAIL: GetJWKS reply: jwks_json has no \"keys\" member\n");
        rc = EXIT_UNEXPECTED;
    }
    protobuf_c_message_free_unpacked(out, NULL);
    return rc;
}

static int connect_to(const char *url, natsConnection **nc)
{
    natsOptions *opts = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetName(opts, "hxb-c-client");
    /* Without this libnats buffers publishes and adds ~1 ms to every request. */
    if (s == NATS_OK)
        s = natsOptions_SetSendAsap(opts, true);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS);
    if (s == NATS_OK)
        s = natsConnection_Connect(nc, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK) {
        fprintf(stderr, "error: cannot connect to %s: %s (%s)\n", url, natsStatus_GetText(s),
                last_error());
        return EXIT_CONNECT;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: %s NATS_URL [EMAIL]\n"
                        "  Signs up a user (c-client-<random>@example.com unless EMAIL is given),\n"
                        "  checks a second sign-up is refused with 409, logs in, fetches the JWKS.\n",
                argv[0]);
        return EXIT_USAGE;
    }
    const char *url = argv[1];
    /* Keep stdout and stderr in order when both go to the same pipe or file. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    char email[320];
    char hex[33];
    if (argc == 3) {
        snprintf(email, sizeof(email), "%s", argv[2]);
    } else {
        random_hex(hex, 8);
        snprintf(email, sizeof(email), "c-client-%s@example.com", hex);
    }
    /* A password that satisfies any reasonable policy: long, mixed classes, random. */
    char password[64];
    random_hex(hex, 12);
    snprintf(password, sizeof(password), "Cc1!-%s-Zz9?", hex);

    natsConnection *nc = NULL;
    int rc = connect_to(url, &nc);
    char user_id[128] = "";
    if (rc == EXIT_OK)
        rc = step_sign_up(nc, email, password, user_id, sizeof(user_id));
    if (rc == EXIT_OK)
        rc = step_sign_up_again(nc, email, password);
    if (rc == EXIT_OK)
        rc = step_login(nc, email, password, user_id);
    if (rc == EXIT_OK)
        rc = step_jwks(nc);

    natsConnection_Destroy(nc);
    nats_CloseAndWait(2000);

    if (rc == EXIT_OK)
        printf("OK: every step behaved as expected\n");
    else
        fprintf(stderr, "FAILED (exit %d)\n", rc);
    return rc;
}
