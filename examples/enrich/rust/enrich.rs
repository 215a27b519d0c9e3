//! "enrich", ABI v1, in Rust with the SDK in sdk/rust (the same behaviour as the C, Zig and
//! AssemblyScript versions; only LANG differs). Input: the record envelope.
//!
//! - property `drop` = `true`: filtered, no effects;
//! - the value, trimmed of ASCII whitespace, must be `{...}`, else the error
//!   `not a JSON object`;
//! - output value: the object with `"source":"<property source|unknown>"`,
//!   `"env":"<config env|none>"`, `"score":<pulsar_user.score(trimmed length)>`,
//!   `"lang":"rust"` appended;
//! - logs `enriched <key|(no key)>` (info), increments counter `enriched`, publishes the score
//!   (key = the input's) to config `side_topic` when set (warns when refused);
//! - returns a record: key = the input's, properties = the input's + `lang`.
//!
//! Build: build.sh (Debian's rustc 1.63, no cargo).
#![no_std]

use pulsar_wasm_guest::{self as pulsar, Buf, Level, Output, OutputRecord, Record};

pulsar::pulsar_user! {
    /// A Java host function (`LongUnaryOperator`).
    fn score(i64) -> i64;
}

pulsar::record_function!(enrich);

const LANG: &str = "rust";

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = v {
        if !is_space(*first) {
            break;
        }
        v = rest;
    }
    while let [rest @ .., last] = v {
        if !is_space(*last) {
            break;
        }
        v = rest;
    }
    v
}

fn enrich(rec: Record<'_>) -> Output {
    if rec.property("drop") == Some(&b"true"[..]) {
        return Output::none();
    }
    let v = trim(rec.value());
    if v.len() < 2 || v[0] != b'{' || v[v.len() - 1] != b'}' {
        return Output::error("not a JSON object");
    }
    let source = rec.property("source").unwrap_or(b"unknown");
    let env = pulsar::config_get("env").ok();
    let env = env.as_deref().unwrap_or(b"none");
    let score = score(v.len() as i64);

    let body = &v[..v.len() - 1]; // without the final `}`
    let mut value = Buf::with_capacity(body.len() + source.len() + env.len() + 80);
    value.extend_from_slice(body);
    if body[1..].iter().any(|&b| !is_space(b)) {
        value.push(b',');
    }
    value.push_str("\"source\":\"");
    value.extend_from_slice(source);
    value.push_str("\",\"env\":\"");
    value.extend_from_slice(env);
    value.push_str("\",\"score\":");
    value.push_i64(score);
    value.push_str(",\"lang\":\"");
    value.push_str(LANG);
    value.push_str("\"}");

    let mut line = Buf::from("enriched ");
    line.extend_from_slice(rec.key().unwrap_or(b"(no key)"));
    pulsar::log(Level::Info, &line);

    let _ = pulsar::counter_incr("enriched", 1);

    if let Ok(topic) = pulsar::config_get("side_topic") {
        let mut s = Buf::new();
        s.push_i64(score);
        let side = OutputRecord::from_buf(s).maybe_key(rec.key());
        if let Err(e) = pulsar::publish_record(&topic, &side) {
            let mut line = Buf::from("publish to ");
            line.extend_from_slice(&topic);
            line.push_str(" refused: ");
            line.push_i64(e.code().into());
            pulsar::log(Level::Warn, &line);
        }
    }

    Output::record(
        OutputRecord::from_buf(value)
            .maybe_key(rec.key())
            .properties(rec.properties())
            .property("lang", LANG),
    )
}
