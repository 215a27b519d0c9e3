// enrich: a record-processing guest (ABI v1) in Zig, on sdk/zig/pulsar.zig.
//
// For each record (input: the record envelope):
//   - property `drop` = "true": filtered out, no effects;
//   - the value, trimmed of ASCII whitespace, must be a `{...}` object, else the error
//     "not a JSON object";
//   - appends "source" (property `source`, or "unknown"), "env" (config `env`, or "none"),
//     "score" (the Java host function pulsar_user.score of the trimmed length) and "lang":"zig";
//   - logs "enriched <key>", increments the counter "enriched", publishes the score to the
//     config's `side_topic` when there is one (a refusal is logged as a warning);
//   - returns an output record: the new value, the input key, the input properties + lang=zig.
// Outputs are limited by memory only (the SDK's buffers grow), up to 1 GiB - 1 (ABI limit).
//
// Build: examples/enrich/zig/build.sh OUT_DIR

const std = @import("std");
const pulsar = @import("pulsar");

const lang = "zig";
const space = " \t\r\n";

const score = pulsar.userLong("score");

// Global buffers: they keep their memory from one record to the next.
var out: pulsar.Buf = .{}; // the output record
var side: pulsar.Buf = .{}; // the published record
var env: pulsar.Buf = .{}; // config `env`
var topic: pulsar.Buf = .{}; // config `side_topic`
var line: pulsar.Buf = .{}; // log lines

fn enrich(rec: *const pulsar.Record) !pulsar.Result {
    if (rec.prop("drop")) |drop| {
        if (std.mem.eql(u8, drop, "true")) return .filtered;
    }

    const v = std.mem.trim(u8, rec.value, space);
    if (v.len < 2 or v[0] != '{' or v[v.len - 1] != '}') return pulsar.fail("not a JSON object");

    const source = rec.prop("source") orelse "unknown";
    const env_value = try pulsar.configGet("env", &env) orelse "none";
    const sc = score(@intCast(v.len));

    line.clear();
    try line.append("enriched ");
    try line.append(rec.key() orelse "(no key)");
    pulsar.log(.info, line.items());

    _ = pulsar.counterIncr("enriched", 1);

    if (try pulsar.configGet("side_topic", &topic)) |t| {
        var r = try pulsar.RecordBuilder.begin(&side);
        try side.appendInt(sc);
        if (rec.key()) |k| try r.key(k);
        const st = r.publish(t);
        if (st.isError()) {
            line.clear();
            try line.append("publish to ");
            try line.append(t);
            try line.append(" refused: ");
            try line.appendInt(st.code());
            pulsar.log(.warn, line.items());
        }
    }

    var r = try pulsar.RecordBuilder.begin(&out);
    try out.append(v[0 .. v.len - 1]); // without the closing brace
    if (std.mem.indexOfNone(u8, v[1 .. v.len - 1], space) != null) try out.appendByte(',');
    try out.append("\"source\":\"");
    try out.append(source);
    try out.append("\",\"env\":\"");
    try out.append(env_value);
    try out.append("\",\"score\":");
    try out.appendInt(sc);
    try out.append(",\"lang\":\"" ++ lang ++ "\"}");
    if (rec.key()) |k| try r.key(k);
    var it = rec.props();
    while (it.next()) |p| try r.prop(p.key, p.value);
    try r.prop("lang", lang);
    return r.result();
}

comptime {
    pulsar.exportRecordProcessor(enrich);
}
