/*
 * wasi_probe: a C guest (wasi-libc) that shows the sandbox from the inside, for tests. The
 * input is a command; the output what happened:
 *   print:<text>   printf <text> to stdout and "to stderr" to stderr; returns "printed"
 *   open:<path>    fopen(path, "r"); returns "errno=<n>" (it cannot succeed: no preopens)
 *   socket         shutdown(1, SHUT_RDWR) on stdout; returns "errno=<n>"
 *   env:<name>     getenv(name); returns its value or "(unset)"
 *   exit:<code>    exit(code)
 *   time           returns "time-ok" when the realtime clock is after 2020 and monotonic runs
 *   random         returns 16 bytes of getentropy as hex
 */
#define PULSAR_WASM_IMPLEMENTATION
#include "pulsar_wasm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static pw_buf out;

static int starts(pw_bytes v, const char *prefix, char *rest, size_t cap) {
    size_t n = strlen(prefix);
    if (v.len < n || memcmp(v.ptr, prefix, n) != 0) return 0;
    size_t m = v.len - n < cap - 1 ? v.len - n : cap - 1;
    memcpy(rest, v.ptr + n, m);
    rest[m] = 0;
    return 1;
}

static pw_result text(const char *s) {
    out.len = 0;
    pw_buf_put(&out, s, (uint32_t)strlen(s));
    return pw_buf_value(&out);
}

static pw_result probe(pw_bytes v) {
    char arg[512], line[600];
    if (starts(v, "print:", arg, sizeof arg)) {
        printf("%s\n", arg);
        fprintf(stderr, "to stderr\n");
        return text("printed");
    }
    if (starts(v, "open:", arg, sizeof arg)) {
        FILE *f = fopen(arg, "r");
        snprintf(line, sizeof line, "errno=%d", f ? 0 : errno);
        if (f) fclose(f);
        return text(line);
    }
    if (starts(v, "socket", arg, sizeof arg)) {
        int r = shutdown(1, SHUT_RDWR);
        snprintf(line, sizeof line, "errno=%d", r == 0 ? 0 : errno);
        return text(line);
    }
    if (starts(v, "env:", arg, sizeof arg)) {
        const char *value = getenv(arg);
        return text(value ? value : "(unset)");
    }
    if (starts(v, "exit:", arg, sizeof arg)) {
        exit(atoi(arg));
    }
    if (starts(v, "time", arg, sizeof arg)) {
        struct timespec real, a, b;
        clock_gettime(CLOCK_REALTIME, &real);
        clock_gettime(CLOCK_MONOTONIC, &a);
        clock_gettime(CLOCK_MONOTONIC, &b);
        int ok = real.tv_sec > 1577836800 && (b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
        return text(ok ? "time-ok" : "time-wrong");
    }
    if (starts(v, "random", arg, sizeof arg)) {
        unsigned char r[16];
        if (getentropy(r, sizeof r) != 0) return pw_error_lit("getentropy failed");
        for (int i = 0; i < 16; i++) snprintf(line + 2 * i, 3, "%02x", r[i]);
        return text(line);
    }
    return pw_error_lit("unknown command");
}

PULSAR_MAIN(probe)
