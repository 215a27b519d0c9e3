// A bytes function: ASCII letters to upper case, everything else as it is. The guest of the
// String -> String throughput benchmark (java/pulsar-it Throughput), beside its Java twin
// com.acme.pulsar.Upper.
#define PULSAR_WASM_IMPLEMENTATION
#include "pulsar_wasm.h"

static pw_buf out;

static pw_result upper(pw_bytes value) {
    pw_buf_clear(&out);
    pw_buf_bytes(&out, value);
    uint8_t *p = (uint8_t *)pw_buf_view(&out).ptr;
    for (uint32_t i = 0; i < value.len; i++) {
        if (p[i] >= 'a' && p[i] <= 'z') p[i] -= 32;
    }
    return pw_buf_value(&out);
}
PULSAR_MAIN(upper)
