// SDK self-test guest (C): one command per record, the record's value; run by check_sdk.mjs,
// which expects the same answers from sdk/zig/test/sdk_test.zig. Every answer is a value
// "field=...;field=..." unless said otherwise. Build: sdk/c/test/run.sh
#define PULSAR_WASM_IMPLEMENTATION
#include "pulsar_wasm.h"

PULSAR_USER_BYTES(upper, "upper");
PULSAR_USER_LONG2(add, "add");

static pw_buf out, tmp;

static bool is(const pw_record *r, const char *cmd) {
    return pw_bytes_eq(r->value, cmd, pw_strlen(cmd));
}
static void field(const char *name, int64_t v) {
    if (out.len) pw_buf_byte(&out, ';');
    pw_buf_str(&out, name);
    pw_buf_byte(&out, '=');
    pw_buf_i64(&out, v);
}
static void field_bytes(const char *name, int32_t st, pw_bytes v) {
    if (st < 0) {
        field(name, st);
        return;
    }
    if (out.len) pw_buf_byte(&out, ';');
    pw_buf_str(&out, name);
    pw_buf_byte(&out, ':');
    pw_buf_bytes(&out, v);
}
static pw_bytes prop(const pw_record *r, const char *name) {
    pw_bytes v = {(const uint8_t *)"", 0};
    pw_record_prop(r, name, pw_strlen(name), &v);
    return v;
}

static pw_result test(const pw_record *r) {
    pw_buf_clear(&out);
    if (is(r, "state")) {
        pw_bytes v = prop(r, "v");
        int32_t st = pw_state_get(PW_LIT("k"), &tmp);
        field_bytes("get", st, pw_buf_view(&tmp));
        field("put", pw_state_put(PW_LIT("k"), PW_B(v)));
        st = pw_state_get(PW_LIT("k"), &tmp);
        field_bytes("get", st, pw_buf_view(&tmp));
        field("del", pw_state_delete(PW_LIT("k")));
        st = pw_state_get(PW_LIT("k"), &tmp);
        field_bytes("get", st, pw_buf_view(&tmp));
    } else if (is(r, "counter")) {
        field("incr", pw_counter_incr(PW_LIT("c"), 7));
        int64_t v = -1;
        field("get", pw_counter_get(PW_LIT("c"), &v));
        field("value", v);
    } else if (is(r, "metric")) {
        field("metric", pw_metric(PW_LIT("m"), 2.5));
    } else if (is(r, "publish")) {
        field("publish", pw_publish(PW_LIT("out2"), PW_LIT("raw-bytes")));
    } else if (is(r, "user")) {
        pw_bytes v = prop(r, "v");
        int32_t st = upper(PW_B(v), &tmp);
        field_bytes("user", st, pw_buf_view(&tmp));
    } else if (is(r, "add")) {
        field("add", add(40, 2));
    } else if (is(r, "config")) {
        pw_bytes k = prop(r, "k");
        int32_t st = pw_config_get(PW_B(k), &tmp);
        field_bytes("config", st, pw_buf_view(&tmp));
    } else if (is(r, "loglevel")) {
        field("log", pw_log(7, PW_LIT("bad level")));
        field("log", pw_log(PW_DEBUG, PW_LIT("debug line")));
    } else if (is(r, "meta")) {
        field("flags", r->flags);
        if (pw_record_has_event_time(r)) field("et", r->event_time);
        field("pt", r->publish_time);
        field("rd", r->redelivery_count);
        field_bytes("topic", 0, r->topic);
        field("mid", r->message_id.len);
        field_bytes("key", pw_record_has_key(r) ? 0 : -1, r->key);
        field("props", r->prop_count);
        pw_prop_iter it = pw_props(r);
        pw_bytes k, v;
        while (pw_prop_next(&it, &k, &v)) {
            pw_buf_byte(&out, ';');
            pw_buf_bytes(&out, k);
            pw_buf_byte(&out, '=');
            pw_buf_bytes(&out, v);
        }
    } else if (is(r, "record")) { // value "v", key "k", topic "dest", event time 1234, no props
        pw_rec rb;
        pw_rec_begin(&rb, &out);
        pw_buf_lit(&out, "v");
        pw_rec_key(&rb, PW_LIT("k"));
        pw_rec_topic(&rb, PW_LIT("dest"));
        pw_rec_event_time(&rb, 1234);
        pw_rec_props(&rb);
        return pw_rec_result(&rb);
    } else if (is(r, "record_bare")) { // value only: no flag at all
        pw_rec rb;
        pw_rec_begin(&rb, &out);
        return pw_rec_result(&rb);
    } else if (is(r, "order")) { // a key after a property: the builder refuses
        pw_rec rb;
        pw_rec_begin(&rb, &out);
        pw_rec_prop(&rb, PW_LIT("a"), PW_LIT("b"));
        pw_rec_key(&rb, PW_LIT("k"));
        return pw_rec_result(&rb);
    } else if (is(r, "empty")) {
        return pw_buf_value(&out);
    } else if (is(r, "fail")) {
        return pw_error_lit("boom");
    } else if (is(r, "filter")) {
        return PW_FILTERED;
    } else if (is(r, "big")) { // a value of prop n bytes ('x'), n up to 8 MiB
        pw_bytes n = prop(r, "n");
        uint32_t len = 0;
        for (uint32_t i = 0; i < n.len; i++) len = len * 10 + (n.ptr[i] - '0');
        for (uint32_t i = 0; i < len; i++) pw_buf_byte(&out, 'x');
    } else if (is(r, "alloc")) { // allocator: blocks are distinct, aligned, and reused
        void *a = pw_alloc(100), *b = pw_alloc(5000), *c = pw_alloc(100);
        field("aligned", (((uintptr_t)a | (uintptr_t)b | (uintptr_t)c) & 15) == 0);
        field("distinct", a != b && b != c && a != c);
        pw_free(b);
        void *d = pw_alloc(1000); // best fit reuses b's block (split)
        field("reused", d == b);
        pw_free(d);
        pw_free(c);
        pw_free(a);
    } else {
        return pw_error_lit("unknown command");
    }
    return pw_buf_value(&out);
}

PULSAR_RECORD_MAIN(test)
