// A Pulsar function in C++: greets the name in each message ("Ada" -> "Hello, Ada!").
// ABI v1 on WASI libc and libc++ (a reactor: _initialize runs the C++ constructors).
// Build: ./build.sh out/function.wasm
#define PULSAR_WASM_IMPLEMENTATION // in exactly one file: the SDK's exports
#include "pulsar_wasm.h"

#include <optional>
#include <string>
#include <string_view>

namespace {

// A user config value; `fallback` when the key is not set, nothing when the host failed.
std::optional<std::string> config(std::string_view key, std::string_view fallback) {
    static pw_buf buf; // reused: keeps its memory across messages
    int32_t st = pw_config_get(key.data(), static_cast<uint32_t>(key.size()), &buf);
    if (st == PW_NOT_FOUND) return std::string(fallback);
    if (st < 0) return std::nullopt;
    return std::string(reinterpret_cast<const char *>(buf.ptr), buf.len);
}

void log(int32_t level, const std::string &line) {
    pw_log(level, line.data(), static_cast<uint32_t>(line.size()));
}

pw_result greet(pw_bytes value) {
    std::string_view name(reinterpret_cast<const char *>(value.ptr), value.len);
    // An error result fails this message only (Java gets a WasmGuestException); a trap would
    // also throw the instance away.
    if (name.empty()) return pw_error_lit("empty name");

    std::optional<std::string> greeting = config("greeting", "Hello");
    if (!greeting) return pw_error_lit("cannot read config greeting");

    // The output must stay valid until the next call: a static string keeps it.
    static std::string out;
    out = *greeting + ", " + std::string(name) + "!";

    log(PW_INFO, "greeted " + std::string(name));
    // Needs the state grant; without it the host refuses (NOT_PERMITTED) and warns once, and
    // the greeting still goes out.
    pw_counter_incr(PW_LIT("greeted"), 1);
    return pw_value(out.data(), static_cast<uint32_t>(out.size()));
}

} // namespace

extern "C" {
PULSAR_MAIN(greet)
}
