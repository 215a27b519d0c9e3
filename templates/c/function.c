// A Pulsar function in C: greets the name in each message ("Ada" -> "Hello, Ada!").
// ABI v1, no libc: the SDK (sdk/pulsar_wasm.h) brings its own allocator.
// Build: ./build.sh out/function.wasm
#define PULSAR_WASM_IMPLEMENTATION // in exactly one .c file: the SDK's exports and allocator
#include "pulsar_wasm.h"

// Static buffers keep their memory from one message to the next: no allocation in steady state.
static pw_buf greeting, out, line;

static pw_result greet(pw_bytes name) {
    // An error result fails this message only (Java gets a WasmGuestException); a trap would
    // also throw the instance away.
    if (name.len == 0) return pw_error_lit("empty name");

    int32_t st = pw_config_get(PW_LIT("greeting"), &greeting); // the function's user config
    if (st == PW_NOT_FOUND) {
        pw_buf_clear(&greeting);
        pw_buf_lit(&greeting, "Hello");
    } else if (st < 0) {
        return pw_error_lit("cannot read config greeting");
    }

    pw_buf_clear(&out);
    pw_buf_bytes(&out, pw_buf_view(&greeting));
    pw_buf_lit(&out, ", ");
    pw_buf_bytes(&out, name);
    pw_buf_lit(&out, "!");

    pw_buf_clear(&line);
    pw_buf_lit(&line, "greeted ");
    pw_buf_bytes(&line, name);
    pw_log_buf(PW_INFO, &line);

    // Needs the state grant; without it the host refuses (NOT_PERMITTED) and warns once, and
    // the greeting still goes out.
    pw_counter_incr(PW_LIT("greeted"), 1);

    return pw_buf_value(&out); // becomes an error result if a buffer could not grow
}
PULSAR_MAIN(greet)
