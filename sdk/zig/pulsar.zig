//! pulsar.zig: Zig SDK for pulsar-wasm guests, ABI v1 (docs/abi.md).
//! Zig 0.15, `-target wasm32-freestanding -fno-entry -rdynamic`; one file, no dependencies.
//!
//!     const pulsar = @import("pulsar");
//!
//!     fn handle(rec: *const pulsar.Record) !pulsar.Result {
//!         pulsar.log(.info, "hello");
//!         return pulsar.value(rec.value); // echo (the input stays valid until we return)
//!     }
//!     comptime {
//!         pulsar.exportRecordProcessor(handle); // or exportProcessor(fn ([]const u8) !Result)
//!     }
//!
//!     zig build-exe --dep pulsar -Mroot=guest.zig -Mpulsar=sdk/zig/pulsar.zig \
//!         -target wasm32-freestanding -fno-entry -rdynamic -O ReleaseSmall
//!
//! Memory: the SDK owns the heap above `__heap_base`, growing the memory on demand, through a
//! small allocator made for the host's grow-only input buffer (bump allocation, the top block
//! given back on free and grown in place, other freed blocks reused best-fit and split). It is
//! also a `std.mem.Allocator`: `pulsar.allocator`. `Buf`s grow on it; a global `Buf` keeps its
//! memory across records. Limits: an output is at most `max_output` bytes (the 30-bit length of
//! a result) and everything fits in the 4 GiB of wasm32 memory; past that, appends return
//! `error.OutOfMemory`, which the entry point turns into an error result.
//!
//! Errors: a handler may return any error; the record then fails with the message
//! "pulsar: <error name>". `pulsar.fail(msg)` fails with a message of your own.

const std = @import("std");

// ============================================================================ basics

/// The largest output (value or record envelope): the result's length field has 30 bits.
pub const max_output: usize = 0x3FFF_FFFF;

/// A host status: >= 0 success (a length or 0), negative an error. Non-exhaustive: unknown
/// negative codes from a newer host keep their value.
pub const Status = enum(i32) {
    ok = 0,
    not_found = -1,
    bad_argument = -2,
    not_permitted = -3,
    unavailable = -4,
    host_error = -5,
    too_large = -6,
    /// SDK-local (never from the host): a buffer could not grow.
    out_of_memory = -64,
    _,

    pub fn of(n: i32) Status {
        return if (n >= 0) .ok else @enumFromInt(n);
    }
    pub fn isError(s: Status) bool {
        return @intFromEnum(s) < 0;
    }
    pub fn code(s: Status) i32 {
        return @intFromEnum(s);
    }
    /// As an error, for `try`.
    pub fn check(s: Status) Error!void {
        return switch (s) {
            .ok => {},
            .not_found => error.NotFound,
            .bad_argument => error.BadArgument,
            .not_permitted => error.NotPermitted,
            .unavailable => error.Unavailable,
            .host_error => error.HostError,
            .too_large => error.TooLarge,
            .out_of_memory => error.OutOfMemory,
            _ => if (s.isError()) error.UnknownStatus else {},
        };
    }
};

pub const Error = error{
    NotFound,
    BadArgument,
    NotPermitted,
    Unavailable,
    HostError,
    TooLarge,
    UnknownStatus,
    OutOfMemory,
    /// The input is not a valid record envelope.
    MalformedEnvelope,
    /// RecordBuilder fields out of envelope order.
    FieldOutOfOrder,
};

pub const Level = enum(i32) { trace = 0, debug = 1, info = 2, warn = 3, err = 4 };

// ============================================================================ raw imports

/// The `pulsar_v1` host functions as the ABI declares them.
pub const raw = struct {
    pub extern "pulsar_v1" fn log(level: i32, ptr: [*]const u8, len: usize) i32;
    pub extern "pulsar_v1" fn config_get(kptr: [*]const u8, klen: usize, buf: [*]u8, cap: usize) i32;
    pub extern "pulsar_v1" fn state_get(kptr: [*]const u8, klen: usize, buf: [*]u8, cap: usize) i32;
    pub extern "pulsar_v1" fn state_put(kptr: [*]const u8, klen: usize, vptr: [*]const u8, vlen: usize) i32;
    pub extern "pulsar_v1" fn state_delete(kptr: [*]const u8, klen: usize) i32;
    pub extern "pulsar_v1" fn counter_incr(kptr: [*]const u8, klen: usize, delta: i64) i32;
    pub extern "pulsar_v1" fn counter_get(kptr: [*]const u8, klen: usize, out: *i64) i32;
    pub extern "pulsar_v1" fn metric(nptr: [*]const u8, nlen: usize, value: f64) i32;
    pub extern "pulsar_v1" fn publish(tptr: [*]const u8, tlen: usize, ptr: [*]const u8, len: usize, flags: i32) i32;
    pub extern "pulsar_v1" fn result_get(buf: [*]u8, cap: usize) i32;
};

// ============================================================================ heap

const page = 65536;
const hdr = 16; // block header: u32 size, padding to keep payloads 16-byte aligned

extern const __heap_base: u8;

const FreeBlock = struct { next: ?*FreeBlock };

var heap_top: usize = 0; // end of the highest block; 0 before the first allocation
var free_list: ?*FreeBlock = null;

fn blockSize(p: usize) *u32 {
    return @ptrFromInt(p - hdr);
}

fn ensureMemory(end: u64) bool {
    const have: u64 = @as(u64, @wasmMemorySize(0)) * page;
    if (end <= have) return true;
    if (end > 1 << 32) return false;
    const pages: usize = @intCast((end - have + page - 1) / page);
    return @wasmMemoryGrow(0, pages) != -1;
}

fn roundUp(n: usize) ?usize {
    if (n > std.math.maxInt(u32) - 32) return null;
    return if (n == 0) 16 else (n + 15) & ~@as(usize, 15);
}

/// A block of at least `size` bytes, 16-byte aligned; null when out of memory.
pub fn heapAlloc(size: usize) ?[*]u8 {
    const want = roundUp(size) orelse return null;
    // best fit among the freed blocks, split when much larger
    var best: ?*?*FreeBlock = null;
    var link: *?*FreeBlock = &free_list;
    while (link.*) |b| : (link = &b.next) {
        const s = blockSize(@intFromPtr(b)).*;
        if (s >= want and (best == null or s < blockSize(@intFromPtr(best.?.*.?)).*)) best = link;
    }
    if (best) |l| {
        const b = l.*.?;
        l.* = b.next;
        const p = @intFromPtr(b);
        const s = blockSize(p).*;
        if (s - want >= 256 + hdr) {
            blockSize(p).* = @intCast(want);
            const rest = p + want + hdr;
            blockSize(rest).* = @intCast(s - want - hdr);
            heapFree(@ptrFromInt(rest));
        }
        return @ptrCast(b);
    }
    if (heap_top == 0) heap_top = std.mem.alignForward(usize, @intFromPtr(&__heap_base), 16);
    const p: u64 = @as(u64, heap_top) + hdr;
    if (!ensureMemory(p + want)) return null;
    @as(*u32, @ptrFromInt(heap_top)).* = @intCast(want);
    heap_top = @intCast(p + want);
    return @ptrFromInt(@as(usize, @intCast(p)));
}

/// Gives a block back (the top block returns to the bump area).
pub fn heapFree(ptr: [*]u8) void {
    const p = @intFromPtr(ptr);
    if (p + blockSize(p).* == heap_top) {
        heap_top = p - hdr;
        return;
    }
    const b: *FreeBlock = @ptrCast(@alignCast(ptr));
    b.next = free_list;
    free_list = b;
}

/// Grows a block in place to `size` bytes when it is large enough or the top block.
fn heapResize(ptr: [*]u8, size: usize) bool {
    const p = @intFromPtr(ptr);
    const have = blockSize(p).*;
    if (size <= have) return true;
    if (p + have != heap_top) return false;
    const want = roundUp(size) orelse return false;
    if (!ensureMemory(@as(u64, p) + want)) return false;
    blockSize(p).* = @intCast(want);
    heap_top = p + want;
    return true;
}

/// The SDK heap as a `std.mem.Allocator` (alignment up to 16).
pub const allocator: std.mem.Allocator = .{ .ptr = undefined, .vtable = &heap_vtable };

const heap_vtable: std.mem.Allocator.VTable = .{
    .alloc = struct {
        fn f(_: *anyopaque, len: usize, a: std.mem.Alignment, _: usize) ?[*]u8 {
            return if (a.toByteUnits() > 16) null else heapAlloc(len);
        }
    }.f,
    .resize = struct {
        fn f(_: *anyopaque, m: []u8, _: std.mem.Alignment, new_len: usize, _: usize) bool {
            return heapResize(m.ptr, new_len);
        }
    }.f,
    .remap = struct {
        fn f(_: *anyopaque, m: []u8, _: std.mem.Alignment, new_len: usize, _: usize) ?[*]u8 {
            return if (heapResize(m.ptr, new_len)) m.ptr else null;
        }
    }.f,
    .free = struct {
        fn f(_: *anyopaque, m: []u8, _: std.mem.Alignment, _: usize) void {
            heapFree(m.ptr);
        }
    }.f,
};

// ============================================================================ Buf

var nonzero: u8 = 0; // a valid, non-zero address for empty buffers and outputs

/// A growable byte buffer on the SDK heap. `.{}` is empty and valid.
pub const Buf = struct {
    ptr: [*]u8 = @ptrCast(&nonzero),
    cap: usize = 0,
    len: usize = 0,

    pub fn items(self: *const Buf) []u8 {
        return self.ptr[0..self.len];
    }
    pub fn clear(self: *Buf) void {
        self.len = 0;
    }
    /// Room for `n` more bytes (error.OutOfMemory past memory or `max_output`).
    pub fn reserve(self: *Buf, n: usize) Error!void {
        const need = @as(u64, self.len) + n;
        if (need <= self.cap) return;
        if (need > max_output) return error.OutOfMemory;
        var cap: u64 = if (self.cap == 0) 256 else @as(u64, self.cap) * 2;
        while (cap < need) cap *= 2;
        if (cap > max_output) cap = need;
        const c: usize = @intCast(cap);
        if (self.cap != 0 and heapResize(self.ptr, c)) {
            self.cap = blockSize(@intFromPtr(self.ptr)).*;
            return;
        }
        const p = heapAlloc(c) orelse return error.OutOfMemory;
        @memcpy(p[0..self.len], self.ptr[0..self.len]);
        if (self.cap != 0) heapFree(self.ptr);
        self.ptr = p;
        self.cap = blockSize(@intFromPtr(p)).*;
    }
    pub fn append(self: *Buf, bytes: []const u8) Error!void {
        try self.reserve(bytes.len);
        @memcpy(self.ptr[self.len..][0..bytes.len], bytes);
        self.len += bytes.len;
    }
    pub fn appendByte(self: *Buf, b: u8) Error!void {
        try self.reserve(1);
        self.ptr[self.len] = b;
        self.len += 1;
    }
    /// Signed decimal ASCII.
    pub fn appendInt(self: *Buf, v: i64) Error!void {
        var tmp: [20]u8 = undefined;
        var i: usize = tmp.len;
        var u: u64 = @abs(v);
        while (true) {
            i -= 1;
            tmp[i] = '0' + @as(u8, @intCast(u % 10));
            u /= 10;
            if (u == 0) break;
        }
        if (v < 0) try self.appendByte('-');
        try self.append(tmp[i..]);
    }
    fn appendU32(self: *Buf, v: u32) Error!void {
        try self.append(&std.mem.toBytes(std.mem.nativeToLittle(u32, v)));
    }
    fn setU32(self: *Buf, at: usize, v: u32) void {
        std.mem.writeInt(u32, self.ptr[at..][0..4], v, .little);
    }
    /// Gives the memory back.
    pub fn deinit(self: *Buf) void {
        if (self.cap != 0) heapFree(self.ptr);
        self.* = .{};
    }
};

// ============================================================================ results

/// What `pulsar_process` returns: `filtered`, `value(..)`, a record (`RecordBuilder.result`),
/// or `fail(..)`.
pub const Result = struct {
    raw: i64,

    /// No output: the record is filtered out.
    pub const filtered: Result = .{ .raw = 0 };
};

fn encode(bytes: []const u8, tag: u64) Result {
    const ptr: usize = if (bytes.len == 0) @intFromPtr(&nonzero) else @intFromPtr(bytes.ptr);
    return .{ .raw = @bitCast(tag | (@as(u64, bytes.len & max_output) << 32) | ptr) };
}

/// The output value. The bytes must stay valid until the next entry (global, heap, input).
pub fn value(bytes: []const u8) Result {
    if (bytes.len > max_output) return fail("pulsar: output too large");
    return encode(bytes, 0);
}

var error_buf: Buf = .{};

/// A failure: Java gets a WasmGuestException with this message (copied by the SDK).
pub fn fail(msg: []const u8) Result {
    error_buf.clear();
    error_buf.append(msg) catch return encode("pulsar: out of memory", 1 << 63);
    return encode(error_buf.items(), 1 << 63);
}

fn failWith(err: anyerror) Result {
    error_buf.clear();
    error_buf.append("pulsar: ") catch return encode("pulsar: out of memory", 1 << 63);
    error_buf.append(@errorName(err)) catch return encode("pulsar: out of memory", 1 << 63);
    return encode(error_buf.items(), 1 << 63);
}

// ============================================================================ input record

/// A parsed input envelope (with `exportRecordProcessor`); slices point into the input.
pub const Record = struct {
    flags: u16,
    /// ms since the epoch; see `eventTime()`.
    event_time: i64,
    /// ms since the epoch, 0 when unknown.
    publish_time: i64,
    redelivery_count: u32,
    value: []const u8,
    /// The key bytes; see `key()`.
    key_bytes: []const u8,
    /// The topic the record came from.
    topic: []const u8,
    /// `MessageId.toByteArray()`, empty when unknown.
    message_id: []const u8,
    prop_count: u32,
    props_bytes: []const u8,

    pub const key_set: u16 = 1;
    pub const event_time_set: u16 = 2;

    /// Parses an envelope (version 1; unknown flags and appended fields are ignored).
    pub fn parse(input: []const u8) Error!Record {
        if (input.len < 24 or input[0] != 1) return error.MalformedEnvelope;
        var r: Record = undefined;
        r.flags = std.mem.readInt(u16, input[2..4], .little);
        r.event_time = std.mem.readInt(i64, input[4..12], .little);
        r.publish_time = std.mem.readInt(i64, input[12..20], .little);
        r.redelivery_count = std.mem.readInt(u32, input[20..24], .little);
        var rest = input[24..];
        r.value = try field(&rest);
        r.key_bytes = try field(&rest);
        r.topic = try field(&rest);
        r.message_id = try field(&rest);
        if (rest.len < 4) return error.MalformedEnvelope;
        r.prop_count = std.mem.readInt(u32, rest[0..4], .little);
        rest = rest[4..];
        const start = rest;
        var i: u64 = 0;
        while (i < 2 * @as(u64, r.prop_count)) : (i += 1) _ = try field(&rest);
        r.props_bytes = start[0 .. start.len - rest.len];
        return r;
    }

    fn field(rest: *[]const u8) Error![]const u8 {
        if (rest.len < 4) return error.MalformedEnvelope;
        const n = std.mem.readInt(u32, rest.*[0..4], .little);
        if (rest.len - 4 < n) return error.MalformedEnvelope;
        const f = rest.*[4..][0..n];
        rest.* = rest.*[4 + n ..];
        return f;
    }

    /// The key, or null when the record has none (an empty key is "").
    pub fn key(r: *const Record) ?[]const u8 {
        return if (r.flags & key_set != 0) r.key_bytes else null;
    }
    pub fn eventTime(r: *const Record) ?i64 {
        return if (r.flags & event_time_set != 0) r.event_time else null;
    }
    /// The value of the first property with this name.
    pub fn prop(r: *const Record, name: []const u8) ?[]const u8 {
        var it = r.props();
        while (it.next()) |p| if (std.mem.eql(u8, p.key, name)) return p.value;
        return null;
    }
    /// The properties, in envelope order.
    pub fn props(r: *const Record) PropIterator {
        return .{ .rest = r.props_bytes };
    }
};

pub const Prop = struct { key: []const u8, value: []const u8 };

pub const PropIterator = struct {
    rest: []const u8,

    pub fn next(it: *PropIterator) ?Prop {
        if (it.rest.len == 0) return null; // bounds were checked by Record.parse
        const k = Record.field(&it.rest) catch unreachable;
        const v = Record.field(&it.rest) catch unreachable;
        return .{ .key = k, .value = v };
    }
};

// ============================================================================ output record

/// Builds an output record envelope in a Buf, fields in envelope order:
///     var r = try pulsar.RecordBuilder.begin(&buf); // clears buf; the value comes next:
///     try buf.append(...);                          //   append it to the same buf
///     try r.key(k);                                 // optional, then
///     try r.topic(t);                               // optional (publish capability), then
///     try r.prop(k, v); ...                         // optional; r.eventTime(ms) any time
///     return r.result();                            // or r.publish(topic)
pub const RecordBuilder = struct {
    buf: *Buf,
    count_at: usize = 0,
    count: u32 = 0,
    flags: u16 = 0,
    event_time: i64 = 0,
    /// The next field: 0 value (open), 1 key, 2 topic, 3 props, 4 props (open), 5 done.
    stage: u8 = 0,

    const value_at = 12;

    pub fn begin(buf: *Buf) Error!RecordBuilder {
        buf.clear();
        try buf.append(&([_]u8{ 1, 0 } ++ [_]u8{0} ** 14)); // version, flags, time, value len
        return .{ .buf = buf };
    }

    /// Appends to the value (or append to `buf` directly).
    pub fn appendValue(self: *RecordBuilder, bytes: []const u8) Error!void {
        if (self.stage != 0) return error.FieldOutOfOrder;
        try self.buf.append(bytes);
    }

    fn to(self: *RecordBuilder, stage: u8) Error!void {
        if (self.stage > stage) return error.FieldOutOfOrder;
        while (self.stage < stage) : (self.stage += 1) switch (self.stage) {
            0 => self.buf.setU32(value_at, @intCast(self.buf.len - value_at - 4)),
            1, 2 => try self.buf.appendU32(0), // no key, no topic
            3 => {
                self.count_at = self.buf.len;
                try self.buf.appendU32(0);
            },
            4 => self.buf.setU32(self.count_at, self.count),
            else => unreachable,
        };
    }

    pub fn key(self: *RecordBuilder, k: []const u8) Error!void {
        try self.to(1);
        try self.buf.appendU32(@intCast(k.len));
        try self.buf.append(k);
        self.flags |= 1;
        self.stage = 2;
    }
    pub fn topic(self: *RecordBuilder, t: []const u8) Error!void {
        try self.to(2);
        try self.buf.appendU32(@intCast(t.len));
        try self.buf.append(t);
        self.flags |= 4;
        self.stage = 3;
    }
    /// Sets the properties flag, even with no property.
    pub fn props(self: *RecordBuilder) Error!void {
        if (self.stage < 4) try self.to(4);
        if (self.stage != 4) return error.FieldOutOfOrder;
        self.flags |= 8;
    }
    pub fn prop(self: *RecordBuilder, k: []const u8, v: []const u8) Error!void {
        try self.props();
        try self.buf.reserve(8 + k.len + v.len);
        try self.buf.appendU32(@intCast(k.len));
        try self.buf.append(k);
        try self.buf.appendU32(@intCast(v.len));
        try self.buf.append(v);
        self.count += 1;
    }
    pub fn eventTime(self: *RecordBuilder, ms: i64) void {
        self.event_time = ms;
        self.flags |= 2;
    }
    /// Completes the envelope (done by `result` and `publish`).
    pub fn end(self: *RecordBuilder) Error!void {
        if (self.stage == 5) return;
        try self.to(5);
        std.mem.writeInt(u16, self.buf.ptr[2..4], self.flags, .little);
        std.mem.writeInt(i64, self.buf.ptr[4..12], self.event_time, .little);
    }
    /// The record as the output.
    pub fn result(self: *RecordBuilder) Error!Result {
        try self.end();
        return encode(self.buf.items(), 1 << 62);
    }
    /// Publishes the record to a topic (`publish` with flags 1).
    pub fn publish(self: *RecordBuilder, t: []const u8) Status {
        self.end() catch return .out_of_memory;
        const b = self.buf.items();
        return .of(raw.publish(t.ptr, t.len, b.ptr, b.len, 1));
    }
};

// ============================================================================ host functions

pub fn log(level: Level, msg: []const u8) void {
    _ = raw.log(@intFromEnum(level), msg.ptr, msg.len);
}

/// The out-buffer convention: one call when the value fits `out`, else `result_get`.
/// `out` gets the value (replacing its content); null for NOT_FOUND.
fn fetch(out: *Buf, comptime call: anytype, args: anytype) Error!?[]const u8 {
    out.clear();
    if (out.cap < 256) try out.reserve(256);
    const n = @call(.auto, call, args ++ .{ out.ptr, out.cap });
    if (n == -1) return null;
    try Status.of(n).check();
    const len: usize = @intCast(n);
    if (len > out.cap) {
        try out.reserve(len);
        const m = raw.result_get(out.ptr, out.cap);
        try Status.of(m).check();
        if (m != n) return error.HostError;
    }
    out.len = len;
    return out.items();
}

/// The config value of a key (strings as they are, others as JSON), in `out`; null when absent.
pub fn configGet(key: []const u8, out: *Buf) Error!?[]const u8 {
    return fetch(out, raw.config_get, .{ key.ptr, key.len });
}
/// A state value, in `out`; null when absent.
pub fn stateGet(key: []const u8, out: *Buf) Error!?[]const u8 {
    return fetch(out, raw.state_get, .{ key.ptr, key.len });
}
pub fn statePut(key: []const u8, v: []const u8) Status {
    return .of(raw.state_put(key.ptr, key.len, v.ptr, v.len));
}
pub fn stateDelete(key: []const u8) Status {
    return .of(raw.state_delete(key.ptr, key.len));
}
pub fn counterIncr(key: []const u8, delta: i64) Status {
    return .of(raw.counter_incr(key.ptr, key.len, delta));
}
pub fn counterGet(key: []const u8) Error!i64 {
    var v: i64 = 0;
    try Status.of(raw.counter_get(key.ptr, key.len, &v)).check();
    return v;
}
pub fn metric(name: []const u8, v: f64) Status {
    return .of(raw.metric(name.ptr, name.len, v));
}
/// Publishes bytes as the value of a message (see RecordBuilder.publish for records).
pub fn publish(topic: []const u8, bytes: []const u8) Status {
    return .of(raw.publish(topic.ptr, topic.len, bytes.ptr, bytes.len, 0));
}

// ============================================================================ pulsar_user

/// The Java host function `name` of shape long: `const score = pulsar.userLong("score");`.
pub fn userLong(comptime name: []const u8) *const fn (i64) callconv(.c) i64 {
    return @extern(*const fn (i64) callconv(.c) i64, .{ .name = name, .library_name = "pulsar_user" });
}
/// Shape long2.
pub fn userLong2(comptime name: []const u8) *const fn (i64, i64) callconv(.c) i64 {
    return @extern(*const fn (i64, i64) callconv(.c) i64, .{ .name = name, .library_name = "pulsar_user" });
}
/// Shape bytes: `const f = pulsar.UserBytes("name");` then `try f.call(input, &out)`, the
/// answer in `out`, or null when Java returned null.
pub fn UserBytes(comptime name: []const u8) type {
    return struct {
        pub const import = @extern(*const fn ([*]const u8, usize, [*]u8, usize) callconv(.c) i32, .{ .name = name, .library_name = "pulsar_user" });
        pub fn call(input: []const u8, out: *Buf) Error!?[]const u8 {
            return fetch(out, import, .{ input.ptr, input.len });
        }
    };
}

// ============================================================================ exports

fn exportCommon() void {
    const S = struct {
        fn abiVersion1() callconv(.c) void {}
        fn alloc(size: usize) callconv(.c) ?[*]u8 {
            return heapAlloc(size);
        }
        fn free(ptr: ?[*]u8, _: usize) callconv(.c) void {
            if (ptr) |p| heapFree(p);
        }
    };
    @export(&S.abiVersion1, .{ .name = "pulsar_abi_version_1" });
    @export(&S.alloc, .{ .name = "pulsar_alloc" });
    @export(&S.free, .{ .name = "pulsar_free" });
}

/// Exports a v1 guest whose input is the bare value: `comptime { exportProcessor(f); }`.
pub fn exportProcessor(comptime handler: anytype) void { // fn ([]const u8) !Result
    exportCommon();
    const S = struct {
        fn process(ptr: [*]const u8, len: usize) callconv(.c) i64 {
            const r = handler(ptr[0..len]) catch |e| return failWith(e).raw;
            return r.raw;
        }
    };
    @export(&S.process, .{ .name = "pulsar_process" });
}

/// Exports a v1 guest whose input is the record envelope (with `pulsar_wants_record`).
pub fn exportRecordProcessor(comptime handler: anytype) void { // fn (*const Record) !Result
    exportCommon();
    const S = struct {
        fn wantsRecord() callconv(.c) void {}
        fn process(ptr: [*]const u8, len: usize) callconv(.c) i64 {
            const rec = Record.parse(ptr[0..len]) catch return fail("pulsar: malformed record envelope").raw;
            const r = handler(&rec) catch |e| return failWith(e).raw;
            return r.raw;
        }
    };
    @export(&S.wantsRecord, .{ .name = "pulsar_wants_record" });
    @export(&S.process, .{ .name = "pulsar_process" });
}
