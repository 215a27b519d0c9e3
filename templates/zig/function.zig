//! A Pulsar function in Zig: greets the name in each message ("Ada" -> "Hello, Ada!").
//! ABI v1, wasm32-freestanding on the SDK in sdk/ (module "pulsar", with its own heap).
//! Build: ./build.sh out/function.wasm
const pulsar = @import("pulsar");

// Global buffers keep their memory from one message to the next: no allocation in steady state.
var greeting: pulsar.Buf = .{};
var out: pulsar.Buf = .{};
var line: pulsar.Buf = .{};

fn greet(name: []const u8) !pulsar.Result {
    // A failure fails this message only (Java gets a WasmGuestException); so does a returned
    // error, as "pulsar: <error name>". A trap would also throw the instance away.
    if (name.len == 0) return pulsar.fail("empty name");

    const g = (pulsar.configGet("greeting", &greeting) catch
        return pulsar.fail("cannot read config greeting")) orelse "Hello"; // null: not set

    out.clear();
    try out.append(g);
    try out.append(", ");
    try out.append(name);
    try out.append("!");

    line.clear();
    try line.append("greeted ");
    try line.append(name);
    pulsar.log(.info, line.items());

    // Needs the state grant; without it the host refuses (NOT_PERMITTED) and warns once, and
    // the greeting still goes out.
    _ = pulsar.counterIncr("greeted", 1);

    return pulsar.value(out.items());
}

comptime {
    pulsar.exportProcessor(greet);
}
