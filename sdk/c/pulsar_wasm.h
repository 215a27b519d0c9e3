/*
 * pulsar_wasm.h: C SDK for pulsar-wasm guests, ABI v1 (docs/abi.md). One freestanding header:
 * no libc, C99 or later, clang --target=wasm32 only.
 *
 *   #define PULSAR_WASM_IMPLEMENTATION     // in exactly one .c file: allocator, exports,
 *   #include "pulsar_wasm.h"               // memcpy/memset/memmove/memcmp (weak)
 *
 *   static pw_result handle(const pw_record *rec) {
 *       pw_log(PW_INFO, PW_LIT("hello"));
 *       return pw_value(rec->value.ptr, rec->value.len);      // echo the value
 *   }
 *   PULSAR_RECORD_MAIN(handle)      // or PULSAR_MAIN(fn) with pw_result fn(pw_bytes value)
 *
 *   clang-19 --target=wasm32 -ffreestanding -nostdlib -O2 -Wl,--no-entry -I sdk/c x.c -o x.wasm
 *
 * With WASI libc (clang --target=wasm32-wasi -mexec-model=reactor; C or C++), the SDK
 * allocates with malloc and leaves memcpy & co. to libc: `__wasi__` selects that mode.
 *
 * Freestanding, the SDK owns the heap (from __heap_base, growing the memory on demand) through a
 * small allocator made for the host's grow-only input buffer: bump allocation, the top block
 * given back on free, other freed blocks reused best-fit. Buffers (pw_buf) grow on this heap;
 * a static, zero-initialised pw_buf is ready to use and keeps its memory across records.
 * Limits: an output is at most PW_MAX_OUTPUT bytes (the 30-bit length of a result), and every
 * buffer is bounded by the 4 GiB of wasm32 memory; when a buffer cannot grow it is marked
 * failed and the result built from it becomes an error ("pulsar_wasm: out of memory").
 *
 * Names: pw_* is the SDK API, pulsar_v1_* the raw imports, PULSAR_* the macros.
 */
#ifndef PULSAR_WASM_H
#define PULSAR_WASM_H

#include <stdbool.h> /* clang's freestanding headers, no libc */
#include <stddef.h>
#include <stdint.h>

#define PW_EXPORT(name) __attribute__((export_name(name)))
#define PW_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

/* ------------------------------------------------------------------ basic types */

/** The result of pulsar_process: 0 (filtered), a value, an output record or an error. */
typedef int64_t pw_result;
#define PW_FILTERED ((pw_result)0)

/** A borrowed byte range. */
typedef struct {
    const uint8_t *ptr;
    uint32_t len;
} pw_bytes;

/** `"literal"` -> `"literal", length`: for the (ptr, len) parameters of this API. */
#define PW_LIT(s) (s), (uint32_t)(sizeof(s) - 1)
/** A pw_bytes of a literal. */
#define PW_BYTES_LIT(s) ((pw_bytes){(const uint8_t *)(s), (uint32_t)(sizeof(s) - 1)})
/** A pw_bytes -> `ptr, len`. */
#define PW_B(b) (b).ptr, (b).len

/* Status codes (negative results of host functions). Other negative values are errors too. */
#define PW_NOT_FOUND (-1)
#define PW_BAD_ARGUMENT (-2)
#define PW_NOT_PERMITTED (-3)
#define PW_UNAVAILABLE (-4)
#define PW_HOST_ERROR (-5)
#define PW_TOO_LARGE (-6)
/** SDK-local (never from the host): a buffer could not grow. */
#define PW_OUT_OF_MEMORY (-64)

/* Log levels. */
#define PW_TRACE 0
#define PW_DEBUG 1
#define PW_INFO 2
#define PW_WARN 3
#define PW_ERROR 4

/** The largest output (value or record envelope): the result's length field has 30 bits. */
#define PW_MAX_OUTPUT 0x3FFFFFFFu

/* ------------------------------------------------------------------ raw imports: pulsar_v1 */

PW_IMPORT("pulsar_v1", "log")
int32_t pulsar_v1_log(int32_t level, const void *ptr, uint32_t len);
PW_IMPORT("pulsar_v1", "config_get")
int32_t pulsar_v1_config_get(const void *kptr, uint32_t klen, void *buf, uint32_t cap);
PW_IMPORT("pulsar_v1", "state_get")
int32_t pulsar_v1_state_get(const void *kptr, uint32_t klen, void *buf, uint32_t cap);
PW_IMPORT("pulsar_v1", "state_put")
int32_t pulsar_v1_state_put(const void *kptr, uint32_t klen, const void *vptr, uint32_t vlen);
PW_IMPORT("pulsar_v1", "state_delete")
int32_t pulsar_v1_state_delete(const void *kptr, uint32_t klen);
PW_IMPORT("pulsar_v1", "counter_incr")
int32_t pulsar_v1_counter_incr(const void *kptr, uint32_t klen, int64_t delta);
PW_IMPORT("pulsar_v1", "counter_get")
int32_t pulsar_v1_counter_get(const void *kptr, uint32_t klen, int64_t *out);
PW_IMPORT("pulsar_v1", "metric")
int32_t pulsar_v1_metric(const void *nptr, uint32_t nlen, double value);
PW_IMPORT("pulsar_v1", "publish")
int32_t pulsar_v1_publish(const void *tptr, uint32_t tlen, const void *ptr, uint32_t len,
                          int32_t flags);
PW_IMPORT("pulsar_v1", "result_get")
int32_t pulsar_v1_result_get(void *buf, uint32_t cap);

/* ------------------------------------------------------------------ pulsar_user imports */

/** Declares `int64_t cname(int64_t)`, the Java host function `name` of shape long:
 *    PULSAR_USER_LONG(score, "score");                                                      */
#define PULSAR_USER_LONG(cname, name) \
    PW_IMPORT("pulsar_user", name) int64_t cname(int64_t)
/** Declares `int64_t cname(int64_t, int64_t)`, shape long2. */
#define PULSAR_USER_LONG2(cname, name) \
    PW_IMPORT("pulsar_user", name) int64_t cname(int64_t, int64_t)
/**
 * Declares `int32_t cname(const void *ptr, uint32_t len, pw_buf *out)`, shape bytes: out gets
 * the answer (replacing its content); returns its length, or a negative status (PW_NOT_FOUND
 * when Java returned null). The raw import is `cname##_raw`.
 */
#define PULSAR_USER_BYTES(cname, name)                                                 \
    PW_IMPORT("pulsar_user", name)                                                     \
    int32_t cname##_raw(const void *, uint32_t, void *, uint32_t);                     \
    static inline int32_t cname(const void *ptr, uint32_t len, pw_buf *out) {          \
        pw_out_prepare(out);                                                           \
        return pw_out_finish(out, cname##_raw(ptr, len, out->ptr, out->cap));          \
    }

/* ------------------------------------------------------------------ memory */

void *pw_alloc(uint32_t size);              /* 16-byte aligned; NULL when out of memory */
void pw_free(void *ptr);                    /* NULL is fine */
void *pw_realloc(void *ptr, uint32_t size); /* grows in place when ptr is the top block */

static inline bool pw_bytes_eq(pw_bytes a, const void *p, uint32_t n) {
    if (a.len != n) return false;
    const uint8_t *b = (const uint8_t *)p;
    for (uint32_t i = 0; i < n; i++)
        if (a.ptr[i] != b[i]) return false;
    return true;
}

static inline uint32_t pw_strlen(const char *s) {
    uint32_t n = 0;
    while (s[n]) n++;
    return n;
}

/* ------------------------------------------------------------------ growable buffer */

/**
 * A byte buffer on the SDK heap. Zero-initialised is empty and valid. `failed` becomes true
 * (and stays so until pw_buf_clear) when it could not grow; appends are then ignored.
 */
typedef struct {
    uint8_t *ptr;
    uint32_t len;
    uint32_t cap;
    bool failed;
} pw_buf;

bool pw_buf_reserve(pw_buf *b, uint32_t extra); /* room for `extra` more bytes */
void pw_buf_put(pw_buf *b, const void *p, uint32_t n);
void pw_buf_i64(pw_buf *b, int64_t v); /* signed decimal ASCII */
void pw_buf_free(pw_buf *b);           /* gives the memory back */

static inline void pw_buf_clear(pw_buf *b) { b->len = 0; b->failed = false; }
static inline void pw_buf_byte(pw_buf *b, uint8_t c) { pw_buf_put(b, &c, 1); }
static inline void pw_buf_str(pw_buf *b, const char *s) { pw_buf_put(b, s, pw_strlen(s)); }
static inline void pw_buf_bytes(pw_buf *b, pw_bytes v) { pw_buf_put(b, v.ptr, v.len); }
#define pw_buf_lit(b, s) pw_buf_put((b), PW_LIT(s))
static inline pw_bytes pw_buf_view(const pw_buf *b) { return (pw_bytes){b->ptr, b->len}; }

/* ------------------------------------------------------------------ results */

/** The value (p, n) as the output. It must stay valid until the next entry (static, heap). */
pw_result pw_value(const void *p, uint32_t n);
/** The content of b as the output value (an error result if b failed). */
pw_result pw_buf_value(const pw_buf *b);
/** A failure: Java gets a WasmGuestException with this message (copied by the SDK). */
pw_result pw_error(const char *msg, uint32_t len);
#define pw_error_lit(s) pw_error(PW_LIT(s))

/* ------------------------------------------------------------------ input record envelope */

#define PW_KEY_SET 1u
#define PW_EVENT_TIME_SET 2u

/** A parsed input envelope (pulsar_wants_record); every pw_bytes points into the input. */
typedef struct {
    uint16_t flags; /* PW_KEY_SET, PW_EVENT_TIME_SET; unknown bits are ignored */
    int64_t event_time;   /* ms since the epoch, 0 unless PW_EVENT_TIME_SET */
    int64_t publish_time; /* ms since the epoch, 0 when unknown */
    uint32_t redelivery_count;
    pw_bytes value;
    pw_bytes key;        /* len 0 when there is no key: see pw_record_has_key */
    pw_bytes topic;      /* the topic the record came from */
    pw_bytes message_id; /* MessageId.toByteArray(), len 0 when unknown */
    uint32_t prop_count;
    const uint8_t *props; /* the first property; use pw_props / pw_record_prop */
} pw_record;

/** Parses an input envelope; 0, or PW_BAD_ARGUMENT when malformed. */
int pw_record_parse(const void *input, uint32_t len, pw_record *out);

static inline bool pw_record_has_key(const pw_record *r) { return (r->flags & PW_KEY_SET) != 0; }
static inline bool pw_record_has_event_time(const pw_record *r) {
    return (r->flags & PW_EVENT_TIME_SET) != 0;
}

static inline uint32_t pw__ld32(const uint8_t *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4); /* wasm is little-endian; a constant size compiles to a load */
    return v;
}

/** Iteration over the properties, in envelope order:
 *    pw_prop_iter it = pw_props(rec); pw_bytes k, v;
 *    while (pw_prop_next(&it, &k, &v)) { ... }                                               */
typedef struct {
    const uint8_t *at;
    uint32_t left;
} pw_prop_iter;

static inline pw_prop_iter pw_props(const pw_record *r) {
    return (pw_prop_iter){r->props, r->prop_count};
}
static inline bool pw_prop_next(pw_prop_iter *it, pw_bytes *key, pw_bytes *value) {
    if (it->left == 0) return false; /* bounds were checked by pw_record_parse */
    it->left--;
    key->len = pw__ld32(it->at);
    key->ptr = it->at + 4;
    it->at = key->ptr + key->len;
    value->len = pw__ld32(it->at);
    value->ptr = it->at + 4;
    it->at = value->ptr + value->len;
    return true;
}
/** The value of the first property named (name, nlen); false when there is none. */
static inline bool pw_record_prop(const pw_record *r, const char *name, uint32_t nlen,
                                  pw_bytes *value) {
    pw_prop_iter it = pw_props(r);
    pw_bytes k;
    while (pw_prop_next(&it, &k, value))
        if (pw_bytes_eq(k, name, nlen)) return true;
    return false;
}

/* ------------------------------------------------------------------ output record envelope */

/**
 * Builds an output record envelope in a pw_buf, fields in envelope order:
 *    pw_rec r; pw_rec_begin(&r, &buf);     // clears buf; the value comes next:
 *    pw_buf_put(&buf, ...);                 //   append it with pw_buf_* on the same buf
 *    pw_rec_key(&r, ...);                   // optional, then
 *    pw_rec_topic(&r, ...);                 // optional (needs the publish capability), then
 *    pw_rec_prop(&r, k, kl, v, vl); ...     // optional; pw_rec_event_time at any time
 *    return pw_rec_result(&r);              // or pw_publish_rec(topic, tlen, &r)
 * A field out of order marks the builder (and the buffer) failed: the result becomes an error,
 * pw_publish_rec returns PW_BAD_ARGUMENT without publishing.
 */
typedef struct {
    pw_buf *buf;
    uint32_t value_at; /* offset of the value length */
    uint32_t count_at; /* offset of the property count */
    uint32_t count;
    uint16_t flags;
    uint8_t stage; /* the next field: 0 value (open), 1 key, 2 topic, 3 props, 4 props (open), 5 done */
    bool out_of_order;
} pw_rec;

void pw_rec_begin(pw_rec *r, pw_buf *buf);
void pw_rec_key(pw_rec *r, const void *key, uint32_t len);
void pw_rec_topic(pw_rec *r, const void *topic, uint32_t len);
void pw_rec_props(pw_rec *r); /* sets the properties flag, even with no property */
void pw_rec_prop(pw_rec *r, const void *k, uint32_t klen, const void *v, uint32_t vlen);
void pw_rec_event_time(pw_rec *r, int64_t ms);
void pw_rec_end(pw_rec *r); /* completes the envelope (done by the two functions below) */
/** The record as the output (bit 62). */
pw_result pw_rec_result(pw_rec *r);
/** Publishes the record to a topic (publish with flags 1); the host's status. */
int32_t pw_publish_rec(const void *topic, uint32_t tlen, pw_rec *r);

/* ------------------------------------------------------------------ host functions */

static inline int32_t pw_log(int32_t level, const void *msg, uint32_t len) {
    return pulsar_v1_log(level, msg, len);
}
static inline int32_t pw_log_str(int32_t level, const char *msg) {
    return pulsar_v1_log(level, msg, pw_strlen(msg));
}
static inline int32_t pw_log_buf(int32_t level, const pw_buf *b) {
    return pulsar_v1_log(level, b->ptr, b->len);
}

/* The out-buffer convention (n > cap -> result_get), for the get functions and
 * PULSAR_USER_BYTES: out is cleared and given room, then filled. */
void pw_out_prepare(pw_buf *out);
int32_t pw_out_finish(pw_buf *out, int32_t n);

/** The config value of a key into out (replacing its content): its length, or PW_NOT_FOUND. */
static inline int32_t pw_config_get(const void *key, uint32_t klen, pw_buf *out) {
    pw_out_prepare(out);
    return pw_out_finish(out, pulsar_v1_config_get(key, klen, out->ptr, out->cap));
}
/** A state value into out: its length, or a negative status. */
static inline int32_t pw_state_get(const void *key, uint32_t klen, pw_buf *out) {
    pw_out_prepare(out);
    return pw_out_finish(out, pulsar_v1_state_get(key, klen, out->ptr, out->cap));
}
static inline int32_t pw_state_put(const void *key, uint32_t klen, const void *v, uint32_t vlen) {
    return pulsar_v1_state_put(key, klen, v, vlen);
}
static inline int32_t pw_state_delete(const void *key, uint32_t klen) {
    return pulsar_v1_state_delete(key, klen);
}
static inline int32_t pw_counter_incr(const void *key, uint32_t klen, int64_t delta) {
    return pulsar_v1_counter_incr(key, klen, delta);
}
/** The counter's value into *out; 0 or a negative status. */
static inline int32_t pw_counter_get(const void *key, uint32_t klen, int64_t *out) {
    return pulsar_v1_counter_get(key, klen, out);
}
static inline int32_t pw_metric(const void *name, uint32_t nlen, double value) {
    return pulsar_v1_metric(name, nlen, value);
}
/** Publishes bytes as the value of a message. */
static inline int32_t pw_publish(const void *topic, uint32_t tlen, const void *p, uint32_t n) {
    return pulsar_v1_publish(topic, tlen, p, n, 0);
}

/* ------------------------------------------------------------------ entry points */

pw_result pw__process_record(const uint8_t *input, uint32_t len,
                             pw_result (*fn)(const pw_record *));

/** Exports pulsar_process for `pw_result fn(pw_bytes value)` (input: the bare value). */
#define PULSAR_MAIN(fn)                                                                 \
    PW_EXPORT("pulsar_process") pw_result pw__pulsar_process(const uint8_t *p, uint32_t n) { \
        return fn((pw_bytes){p, n});                                                    \
    }

/** Exports pulsar_process and pulsar_wants_record for `pw_result fn(const pw_record *)`. */
#define PULSAR_RECORD_MAIN(fn)                                                          \
    PW_EXPORT("pulsar_wants_record") void pw__pulsar_wants_record(void) {}             \
    PW_EXPORT("pulsar_process") pw_result pw__pulsar_process(const uint8_t *p, uint32_t n) { \
        return pw__process_record(p, n, fn);                                            \
    }

/* ================================================================== implementation */
#ifdef PULSAR_WASM_IMPLEMENTATION

#ifdef __wasi__
/* --- with WASI libc: blocks come from malloc, with a 16-byte header holding their size */
#include <stdlib.h>
#include <string.h>
#define PW__HDR 16u

static inline uint32_t *pw__size_of(void *p) { return (uint32_t *)((uint8_t *)p - PW__HDR); }

void *pw_alloc(uint32_t size) {
    if (size > 0xFFFFFFFFu - 32) return NULL;
    size = (size + 15u) & ~15u;
    if (size == 0) size = 16;
    uint8_t *block = (uint8_t *)aligned_alloc(16, (size_t)size + PW__HDR);
    if (!block) return NULL;
    *(uint32_t *)block = size;
    return block + PW__HDR;
}

void pw_free(void *ptr) {
    if (ptr) free((uint8_t *)ptr - PW__HDR);
}

void *pw_realloc(void *ptr, uint32_t size) {
    if (!ptr) return pw_alloc(size);
    uint32_t old = *pw__size_of(ptr);
    if (size <= old) return ptr;
    void *n = pw_alloc(size);
    if (!n) return NULL;
    memcpy(n, ptr, old);
    pw_free(ptr);
    return n;
}
#else
/* --- libc functions clang may call for copies and fills (weak: a real libc wins) */
#ifndef PULSAR_WASM_NO_LIBC_FUNCS
__attribute__((weak, no_builtin("memcpy"))) void *memcpy(void *restrict d, const void *restrict s,
                                                         size_t n) {
#ifdef __wasm_bulk_memory__
    __builtin_memcpy(d, s, n); /* memory.copy */
#else
    uint8_t *dp = (uint8_t *)d;
    const uint8_t *sp = (const uint8_t *)s;
    typedef uint64_t __attribute__((may_alias)) pw__u64;
    while (n >= 8 && (((uintptr_t)dp | (uintptr_t)sp) & 7) == 0) {
        *(pw__u64 *)(void *)dp = *(const pw__u64 *)(const void *)sp;
        dp += 8, sp += 8, n -= 8;
    }
    while (n--) *dp++ = *sp++;
#endif
    return d;
}
__attribute__((weak, no_builtin("memmove"))) void *memmove(void *d, const void *s, size_t n) {
    uint8_t *dp = (uint8_t *)d;
    const uint8_t *sp = (const uint8_t *)s;
    if (dp < sp) {
        while (n--) *dp++ = *sp++;
    } else {
        while (n--) dp[n] = sp[n];
    }
    return d;
}
__attribute__((weak, no_builtin("memset"))) void *memset(void *d, int c, size_t n) {
    uint8_t *dp = (uint8_t *)d;
    while (n--) *dp++ = (uint8_t)c;
    return d;
}
__attribute__((weak, no_builtin("memcmp"))) int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x - *y;
    return 0;
}
#endif

/* --- allocator: blocks are [u32 size, 12 bytes padding][size bytes], 16-byte aligned */
extern unsigned char __heap_base;
#define PW__HDR 16u
#define PW__PAGE 65536u

typedef struct pw__free_block {
    struct pw__free_block *next;
} pw__free_block;

static uintptr_t pw__top;           /* end of the highest block; 0 before the first alloc */
static pw__free_block *pw__freelist; /* freed blocks below the top, best-fit reuse */

static inline uint32_t *pw__size_of(void *p) { return (uint32_t *)((uint8_t *)p - PW__HDR); }

/* Makes [.., end) addressable, growing the memory. */
static bool pw__ensure(uint64_t end) {
    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * PW__PAGE;
    if (end <= have) return true;
    if (end > 0x100000000ull) return false;
    size_t pages = (size_t)((end - have + PW__PAGE - 1) / PW__PAGE);
    return __builtin_wasm_memory_grow(0, pages) != (size_t)-1;
}

void *pw_alloc(uint32_t size) {
    if (size > 0xFFFFFFFFu - 32) return NULL;
    size = (size + 15u) & ~15u;
    if (size == 0) size = 16;
    /* best fit among the freed blocks */
    pw__free_block **best = NULL;
    for (pw__free_block **f = &pw__freelist; *f; f = &(*f)->next) {
        uint32_t s = *pw__size_of(*f);
        if (s >= size && (!best || s < *pw__size_of(*best))) best = f;
    }
    if (best) {
        pw__free_block *b = *best;
        *best = b->next;
        uint32_t s = *pw__size_of(b);
        if (s - size >= 256 + PW__HDR) { /* split: the rest becomes a free block */
            *pw__size_of(b) = size;
            void *rest = (uint8_t *)b + size + PW__HDR;
            *pw__size_of(rest) = s - size - PW__HDR;
            pw_free(rest);
        }
        return b;
    }
    if (pw__top == 0) pw__top = ((uintptr_t)&__heap_base + 15u) & ~(uintptr_t)15u;
    uint64_t p = (uint64_t)pw__top + PW__HDR, end = p + size;
    if (!pw__ensure(end)) return NULL;
    *(uint32_t *)(uintptr_t)pw__top = size;
    pw__top = (uintptr_t)end;
    return (void *)(uintptr_t)p;
}

void pw_free(void *ptr) {
    if (!ptr) return;
    uintptr_t p = (uintptr_t)ptr;
    if (p + *pw__size_of(ptr) == pw__top) {
        pw__top = p - PW__HDR; /* the top block: back to the bump area */
        return;
    }
    pw__free_block *b = (pw__free_block *)ptr;
    b->next = pw__freelist;
    pw__freelist = b;
}

void *pw_realloc(void *ptr, uint32_t size) {
    if (!ptr) return pw_alloc(size);
    uint32_t old = *pw__size_of(ptr);
    if (size <= old) return ptr;
    if (size > 0xFFFFFFFFu - 32) return NULL;
    uintptr_t p = (uintptr_t)ptr;
    if (p + old == pw__top) { /* the top block: extend in place */
        uint32_t s = (size + 15u) & ~15u;
        if (!pw__ensure((uint64_t)p + s)) return NULL;
        *pw__size_of(ptr) = s;
        pw__top = p + s;
        return ptr;
    }
    void *n = pw_alloc(size);
    if (!n) return NULL;
    memcpy(n, ptr, old);
    pw_free(ptr);
    return n;
}
#endif /* __wasi__ */

PW_EXPORT("pulsar_abi_version_1") void pw__pulsar_abi_version_1(void) {}
PW_EXPORT("pulsar_alloc") void *pw__pulsar_alloc(uint32_t size) { return pw_alloc(size); }
PW_EXPORT("pulsar_free") void pw__pulsar_free(void *ptr, uint32_t size) {
    (void)size;
    pw_free(ptr);
}

/* --- buffers */
bool pw_buf_reserve(pw_buf *b, uint32_t extra) {
    if (b->failed) return false;
    uint64_t need = (uint64_t)b->len + extra;
    if (need <= b->cap) return true;
    if (need > PW_MAX_OUTPUT) {
        b->failed = true;
        return false;
    }
    uint64_t cap = b->cap ? (uint64_t)b->cap * 2 : 256;
    while (cap < need) cap *= 2;
    if (cap > PW_MAX_OUTPUT) cap = need;
    uint8_t *p = (uint8_t *)pw_realloc(b->ptr, (uint32_t)cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->ptr = p;
    b->cap = *pw__size_of(p); /* the block may be larger than asked */
    return true;
}

void pw_buf_put(pw_buf *b, const void *p, uint32_t n) {
    if (!pw_buf_reserve(b, n)) return;
    memcpy(b->ptr + b->len, p, n);
    b->len += n;
}

void pw_buf_i64(pw_buf *b, int64_t v) {
    char tmp[20];
    uint32_t i = sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) pw_buf_byte(b, '-');
    pw_buf_put(b, tmp + i, sizeof tmp - i);
}

void pw_buf_free(pw_buf *b) {
    pw_free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

/* --- results */
static const uint8_t pw__nonzero = 0; /* a non-zero address for empty outputs */
static pw_buf pw__error_buf;

static pw_result pw__result(const void *p, uint32_t n, uint64_t tag) {
    uintptr_t ptr = p ? (uintptr_t)p : (uintptr_t)&pw__nonzero;
    return (pw_result)(tag | ((uint64_t)(n & PW_MAX_OUTPUT) << 32) | (uint64_t)ptr);
}

pw_result pw_error(const char *msg, uint32_t len) {
    pw_buf_clear(&pw__error_buf);
    pw_buf_put(&pw__error_buf, msg, len);
    if (pw__error_buf.failed) {
        static const char oom[] = "pulsar_wasm: out of memory";
        return pw__result(oom, sizeof oom - 1, 1ull << 63);
    }
    return pw__result(pw__error_buf.ptr, pw__error_buf.len, 1ull << 63);
}

pw_result pw_value(const void *p, uint32_t n) {
    if (n > PW_MAX_OUTPUT) return pw_error_lit("pulsar_wasm: output too large");
    return pw__result(p, n, 0);
}

pw_result pw_buf_value(const pw_buf *b) {
    if (b->failed) return pw_error_lit("pulsar_wasm: out of memory");
    return pw__result(b->ptr, b->len, 0);
}

/* --- input envelope */
int pw_record_parse(const void *input, uint32_t len, pw_record *r) {
    const uint8_t *p = (const uint8_t *)input, *end = p + len;
    if (len < 24 || p[0] != 1) return PW_BAD_ARGUMENT;
    __builtin_memcpy(&r->flags, p + 2, 2);
    __builtin_memcpy(&r->event_time, p + 4, 8);
    __builtin_memcpy(&r->publish_time, p + 12, 8);
    r->redelivery_count = pw__ld32(p + 20);
    p += 24;
    pw_bytes *fields[4] = {&r->value, &r->key, &r->topic, &r->message_id};
    for (int i = 0; i < 4; i++) {
        if ((uint32_t)(end - p) < 4) return PW_BAD_ARGUMENT;
        uint32_t n = pw__ld32(p);
        p += 4;
        if ((uint32_t)(end - p) < n) return PW_BAD_ARGUMENT;
        fields[i]->ptr = p;
        fields[i]->len = n;
        p += n;
    }
    if ((uint32_t)(end - p) < 4) return PW_BAD_ARGUMENT;
    r->prop_count = pw__ld32(p);
    p += 4;
    r->props = p;
    for (uint32_t i = 0; i < 2 * r->prop_count; i++) { /* check every property once */
        if ((uint32_t)(end - p) < 4) return PW_BAD_ARGUMENT;
        uint32_t n = pw__ld32(p);
        p += 4;
        if ((uint32_t)(end - p) < n) return PW_BAD_ARGUMENT;
        p += n;
    }
    /* fields appended by a later minor version are ignored */
    return 0;
}

pw_result pw__process_record(const uint8_t *input, uint32_t len,
                             pw_result (*fn)(const pw_record *)) {
    pw_record r;
    if (pw_record_parse(input, len, &r) < 0)
        return pw_error_lit("pulsar_wasm: malformed record envelope");
    return fn(&r);
}

/* --- output envelope */
static void pw__put32(pw_buf *b, uint32_t v) { pw_buf_put(b, &v, 4); }
static void pw__set32(pw_buf *b, uint32_t at, uint32_t v) {
    if (!b->failed) __builtin_memcpy(b->ptr + at, &v, 4);
}

void pw_rec_begin(pw_rec *r, pw_buf *buf) {
    static const uint8_t head[16] = {1, 0, 0, 0}; /* version, reserved, flags, event time */
    pw_buf_clear(buf);
    pw_buf_put(buf, head, 16); /* ... + the value length */
    r->buf = buf;
    r->value_at = 12;
    r->count_at = 0;
    r->count = 0;
    r->flags = 0;
    r->stage = 0;
    r->out_of_order = false;
}

/* Moves to `stage`, writing the skipped fields empty; false (buffer failed) when past it. */
static bool pw__rec_to(pw_rec *r, uint8_t stage) {
    if (r->stage > stage) {
        r->out_of_order = r->buf->failed = true;
        return false;
    }
    while (r->stage < stage) {
        switch (r->stage) {
        case 0: pw__set32(r->buf, r->value_at, r->buf->len - r->value_at - 4); break;
        case 1: pw__put32(r->buf, 0); break; /* no key */
        case 2: pw__put32(r->buf, 0); break; /* no topic */
        case 3: r->count_at = r->buf->len; pw__put32(r->buf, 0); break;
        case 4: pw__set32(r->buf, r->count_at, r->count); break;
        }
        r->stage++;
    }
    return !r->buf->failed;
}

void pw_rec_key(pw_rec *r, const void *key, uint32_t len) {
    if (!pw__rec_to(r, 1)) return;
    pw__put32(r->buf, len);
    pw_buf_put(r->buf, key, len);
    r->flags |= 1;
    r->stage = 2;
}

void pw_rec_topic(pw_rec *r, const void *topic, uint32_t len) {
    if (!pw__rec_to(r, 2)) return;
    pw__put32(r->buf, len);
    pw_buf_put(r->buf, topic, len);
    r->flags |= 4;
    r->stage = 3;
}

void pw_rec_props(pw_rec *r) {
    if (r->stage < 4) pw__rec_to(r, 4);
    r->flags |= 8;
}

void pw_rec_prop(pw_rec *r, const void *k, uint32_t klen, const void *v, uint32_t vlen) {
    pw_rec_props(r);
    if (r->stage != 4) {
        r->out_of_order = r->buf->failed = true;
        return;
    }
    pw__put32(r->buf, klen);
    pw_buf_put(r->buf, k, klen);
    pw__put32(r->buf, vlen);
    pw_buf_put(r->buf, v, vlen);
    r->count++;
}

void pw_rec_event_time(pw_rec *r, int64_t ms) {
    if (!r->buf->failed) __builtin_memcpy(r->buf->ptr + 4, &ms, 8);
    r->flags |= 2;
}

void pw_rec_end(pw_rec *r) {
    if (r->stage == 5) return;
    pw__rec_to(r, 5);
    if (!r->buf->failed) __builtin_memcpy(r->buf->ptr + 2, &r->flags, 2);
}

pw_result pw_rec_result(pw_rec *r) {
    pw_rec_end(r);
    if (r->out_of_order) return pw_error_lit("pulsar_wasm: record fields out of order");
    if (r->buf->failed) return pw_error_lit("pulsar_wasm: out of memory (output record)");
    return pw__result(r->buf->ptr, r->buf->len, 1ull << 62);
}

int32_t pw_publish_rec(const void *topic, uint32_t tlen, pw_rec *r) {
    pw_rec_end(r);
    if (r->out_of_order) return PW_BAD_ARGUMENT;
    if (r->buf->failed) return PW_OUT_OF_MEMORY;
    return pulsar_v1_publish(topic, tlen, r->buf->ptr, r->buf->len, 1);
}

/* --- out-buffer convention */
void pw_out_prepare(pw_buf *out) {
    pw_buf_clear(out);
    if (out->cap < 256) pw_buf_reserve(out, 256); /* on failure: (NULL, 0), still valid */
    out->failed = false;
}

int32_t pw_out_finish(pw_buf *out, int32_t n) {
    if (n < 0) return n;
    if ((uint32_t)n > out->cap) {
        if (!pw_buf_reserve(out, (uint32_t)n)) {
            out->failed = false;
            return PW_OUT_OF_MEMORY;
        }
        int32_t m = pulsar_v1_result_get(out->ptr, out->cap);
        if (m < 0) return m;
        if (m != n) return PW_HOST_ERROR;
    }
    out->len = (uint32_t)n;
    return n;
}

#endif /* PULSAR_WASM_IMPLEMENTATION */
#endif /* PULSAR_WASM_H */
