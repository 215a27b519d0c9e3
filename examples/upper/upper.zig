// A bytes function: ASCII letters to upper case, everything else as it is.
const std = @import("std");
const pulsar = @import("pulsar");

var out: pulsar.Buf = .{};

fn upper(value: []const u8) !pulsar.Result {
    out.clear();
    try out.append(value);
    for (out.items()) |*c| c.* = std.ascii.toUpper(c.*);
    return pulsar.value(out.items());
}
comptime {
    pulsar.exportProcessor(upper);
}
