// enrich: a record-processing guest (ABI v1) in C, on sdk/c/pulsar_wasm.h.
//
// For each record (input: the record envelope):
//   - property `drop` = "true": filtered out, no effects;
//   - the value, trimmed of ASCII whitespace, must be a `{...}` object, else the error
//     "not a JSON object";
//   - appends "source" (property `source`, or "unknown"), "env" (config `env`, or "none"),
//     "score" (the Java host function pulsar_user.score of the trimmed length) and "lang":"c";
//   - logs "enriched <key>", increments the counter "enriched", publishes the score to the
//     config's `side_topic` when there is one (a refusal is logged as a warning);
//   - returns an output record: the new value, the input key, the input properties + lang=c.
// Outputs are limited by memory only (the SDK's buffers grow), up to 1 GiB - 1 (ABI limit).
//
// Build: examples/enrich/c/build.sh OUT_DIR

#define PULSAR_WASM_IMPLEMENTATION
#include "pulsar_wasm.h"

#define LANG "c"

PULSAR_USER_LONG(score, "score");

// Static buffers: they keep their memory from one record to the next.
static pw_buf out;   // the output record
static pw_buf side;  // the published record
static pw_buf env;   // config `env`
static pw_buf topic; // config `side_topic`
static pw_buf line;  // log lines

static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static pw_result enrich(const pw_record *rec) {
    pw_bytes v;
    if (pw_record_prop(rec, PW_LIT("drop"), &v) && pw_bytes_eq(v, PW_LIT("true"))) {
        return PW_FILTERED;
    }

    const uint8_t *s = rec->value.ptr, *e = s + rec->value.len;
    while (s < e && is_space(s[0])) s++;
    while (e > s && is_space(e[-1])) e--;
    if (e - s < 2 || s[0] != '{' || e[-1] != '}') return pw_error_lit("not a JSON object");
    uint32_t len = (uint32_t)(e - s);

    pw_bytes source;
    if (!pw_record_prop(rec, PW_LIT("source"), &source)) source = PW_BYTES_LIT("unknown");
    int32_t st = pw_config_get(PW_LIT("env"), &env);
    if (st < 0 && st != PW_NOT_FOUND) return pw_error_lit("config_get(env) failed");
    pw_bytes env_value = st >= 0 ? pw_buf_view(&env) : PW_BYTES_LIT("none");
    int64_t sc = score(len);

    pw_buf_clear(&line);
    pw_buf_lit(&line, "enriched ");
    if (pw_record_has_key(rec)) {
        pw_buf_bytes(&line, rec->key);
    } else {
        pw_buf_lit(&line, "(no key)");
    }
    pw_log_buf(PW_INFO, &line);

    pw_counter_incr(PW_LIT("enriched"), 1);

    st = pw_config_get(PW_LIT("side_topic"), &topic);
    if (st < 0 && st != PW_NOT_FOUND) return pw_error_lit("config_get(side_topic) failed");
    if (st >= 0) {
        pw_rec r;
        pw_rec_begin(&r, &side);
        pw_buf_i64(&side, sc);
        if (pw_record_has_key(rec)) pw_rec_key(&r, PW_B(rec->key));
        int32_t ps = pw_publish_rec(PW_B(topic), &r);
        if (ps < 0) {
            pw_buf_clear(&line);
            pw_buf_lit(&line, "publish to ");
            pw_buf_bytes(&line, pw_buf_view(&topic));
            pw_buf_lit(&line, " refused: ");
            pw_buf_i64(&line, ps);
            pw_log_buf(PW_WARN, &line);
        }
    }

    pw_rec r;
    pw_rec_begin(&r, &out);
    pw_buf_put(&out, s, len - 1); // without the closing brace
    for (const uint8_t *p = s + 1; p < e - 1; p++) {
        if (!is_space(*p)) {
            pw_buf_byte(&out, ',');
            break;
        }
    }
    pw_buf_lit(&out, "\"source\":\"");
    pw_buf_bytes(&out, source);
    pw_buf_lit(&out, "\",\"env\":\"");
    pw_buf_bytes(&out, env_value);
    pw_buf_lit(&out, "\",\"score\":");
    pw_buf_i64(&out, sc);
    pw_buf_lit(&out, ",\"lang\":\"" LANG "\"}");
    if (pw_record_has_key(rec)) pw_rec_key(&r, PW_B(rec->key));
    pw_prop_iter it = pw_props(rec);
    pw_bytes k;
    while (pw_prop_next(&it, &k, &v)) pw_rec_prop(&r, PW_B(k), PW_B(v));
    pw_rec_prop(&r, PW_LIT("lang"), PW_LIT(LANG));
    return pw_rec_result(&r);
}

PULSAR_RECORD_MAIN(enrich)
