// SDK self-test guest (Zig): the same commands and answers as sdk/c/test/sdk_test.c, checked by
// sdk/c/test/check_sdk.mjs. Build and run: sdk/zig/test/run.sh
const std = @import("std");
const pulsar = @import("pulsar");

const upper = pulsar.UserBytes("upper");
const add = pulsar.userLong2("add");

var out: pulsar.Buf = .{};
var tmp: pulsar.Buf = .{};

fn field(name: []const u8, v: i64) !void {
    if (out.len != 0) try out.appendByte(';');
    try out.append(name);
    try out.appendByte('=');
    try out.appendInt(v);
}

fn fieldBytes(name: []const u8, v: anyerror!?[]const u8) !void {
    const got = v catch |e| return field(name, statusOf(e));
    const bytes = got orelse return field(name, -1);
    if (out.len != 0) try out.appendByte(';');
    try out.append(name);
    try out.appendByte(':');
    try out.append(bytes);
}

fn statusOf(e: anyerror) i64 {
    return switch (e) {
        error.NotFound => -1,
        error.BadArgument => -2,
        error.NotPermitted => -3,
        error.Unavailable => -4,
        error.HostError => -5,
        error.TooLarge => -6,
        else => -100,
    };
}

fn st(s: pulsar.Status) i64 {
    return s.code();
}

fn test_(r: *const pulsar.Record) !pulsar.Result {
    out.clear();
    const cmd = r.value;
    const eql = std.mem.eql;
    if (eql(u8, cmd, "state")) {
        const v = r.prop("v") orelse "";
        try fieldBytes("get", pulsar.stateGet("k", &tmp));
        try field("put", st(pulsar.statePut("k", v)));
        try fieldBytes("get", pulsar.stateGet("k", &tmp));
        try field("del", st(pulsar.stateDelete("k")));
        try fieldBytes("get", pulsar.stateGet("k", &tmp));
    } else if (eql(u8, cmd, "counter")) {
        try field("incr", st(pulsar.counterIncr("c", 7)));
        if (pulsar.counterGet("c")) |v| {
            try field("get", 0);
            try field("value", v);
        } else |e| {
            try field("get", statusOf(e));
            try field("value", -1);
        }
    } else if (eql(u8, cmd, "metric")) {
        try field("metric", st(pulsar.metric("m", 2.5)));
    } else if (eql(u8, cmd, "publish")) {
        try field("publish", st(pulsar.publish("out2", "raw-bytes")));
    } else if (eql(u8, cmd, "user")) {
        try fieldBytes("user", upper.call(r.prop("v") orelse "", &tmp));
    } else if (eql(u8, cmd, "add")) {
        try field("add", add(40, 2));
    } else if (eql(u8, cmd, "config")) {
        try fieldBytes("config", pulsar.configGet(r.prop("k") orelse "", &tmp));
    } else if (eql(u8, cmd, "loglevel")) {
        try field("log", pulsar.raw.log(7, "bad level", 9));
        pulsar.log(.debug, "debug line");
        try field("log", 0);
    } else if (eql(u8, cmd, "meta")) {
        try field("flags", r.flags);
        if (r.eventTime()) |t| try field("et", t);
        try field("pt", r.publish_time);
        try field("rd", r.redelivery_count);
        try fieldBytes("topic", r.topic);
        try field("mid", @intCast(r.message_id.len));
        try fieldBytes("key", r.key());
        try field("props", r.prop_count);
        var it = r.props();
        while (it.next()) |p| {
            try out.appendByte(';');
            try out.append(p.key);
            try out.appendByte('=');
            try out.append(p.value);
        }
    } else if (eql(u8, cmd, "record")) {
        var rb = try pulsar.RecordBuilder.begin(&out);
        try rb.appendValue("v");
        try rb.key("k");
        try rb.topic("dest");
        rb.eventTime(1234);
        try rb.props();
        return rb.result();
    } else if (eql(u8, cmd, "record_bare")) {
        var rb = try pulsar.RecordBuilder.begin(&out);
        return rb.result();
    } else if (eql(u8, cmd, "order")) {
        var rb = try pulsar.RecordBuilder.begin(&out);
        try rb.prop("a", "b");
        try rb.key("k"); // error.FieldOutOfOrder
        return rb.result();
    } else if (eql(u8, cmd, "empty")) {
        return pulsar.value(out.items());
    } else if (eql(u8, cmd, "fail")) {
        return pulsar.fail("boom");
    } else if (eql(u8, cmd, "filter")) {
        return .filtered;
    } else if (eql(u8, cmd, "big")) {
        const n = try std.fmt.parseInt(usize, r.prop("n") orelse "0", 10);
        try out.reserve(n);
        @memset(out.ptr[0..n], 'x');
        out.len = n;
    } else if (eql(u8, cmd, "alloc")) {
        const a = pulsar.heapAlloc(100).?;
        const b = pulsar.heapAlloc(5000).?;
        const c = pulsar.heapAlloc(100).?;
        try field("aligned", @intFromBool((@intFromPtr(a) | @intFromPtr(b) | @intFromPtr(c)) & 15 == 0));
        try field("distinct", @intFromBool(a != b and b != c and a != c));
        pulsar.heapFree(b);
        const d = pulsar.heapAlloc(1000).?;
        try field("reused", @intFromBool(d == b));
        pulsar.heapFree(d);
        pulsar.heapFree(c);
        pulsar.heapFree(a);
        // pulsar.allocator as a std.mem.Allocator (no effect on the answer unless it fails)
        var list: std.ArrayList(u32) = .empty;
        defer list.deinit(pulsar.allocator);
        for (0..10000) |i| try list.append(pulsar.allocator, @intCast(i));
        for (list.items, 0..) |x, i| if (x != i) return pulsar.fail("allocator: bad list");
        const many = try pulsar.allocator.alloc(u64, 3);
        defer pulsar.allocator.free(many);
        if (@intFromPtr(many.ptr) & 7 != 0) return pulsar.fail("allocator: misaligned");
    } else {
        return pulsar.fail("unknown command");
    }
    return pulsar.value(out.items());
}

comptime {
    pulsar.exportRecordProcessor(test_);
}
