//! The guest ABI v1 (docs/abi.md) without a JVM: entries, markers, imports, results, effects,
//! capabilities, out-buffers, Java host functions (here a Rust `Host`), bad pointers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pulsar_wasm::host::Cause;
use pulsar_wasm::{
    call_i64, load, process, unload, Error, Grants, Handle, Host, HostFailure, HostFunction, HostSpec, Limits, Shape,
};

/// A v1 guest: every `pulsar_v1` import, a bump allocator that counts its calls (global
/// `$allocs`, readable through input "allocs"), strings at 1024 (`$data`), and `body` as the
/// body of `pulsar_process` (params `$p`, `$n`).
fn guest(extra_imports: &str, body: &str, data: &str) -> Vec<u8> {
    format!(
        r#"(module
  (import "pulsar_v1" "log" (func $log (param i32 i32 i32) (result i32)))
  (import "pulsar_v1" "config_get" (func $config_get (param i32 i32 i32 i32) (result i32)))
  (import "pulsar_v1" "state_get" (func $state_get (param i32 i32 i32 i32) (result i32)))
  (import "pulsar_v1" "state_put" (func $state_put (param i32 i32 i32 i32) (result i32)))
  (import "pulsar_v1" "state_delete" (func $state_delete (param i32 i32) (result i32)))
  (import "pulsar_v1" "counter_incr" (func $counter_incr (param i32 i32 i64) (result i32)))
  (import "pulsar_v1" "counter_get" (func $counter_get (param i32 i32 i32) (result i32)))
  (import "pulsar_v1" "metric" (func $metric (param i32 i32 f64) (result i32)))
  (import "pulsar_v1" "publish" (func $publish (param i32 i32 i32 i32 i32) (result i32)))
  (import "pulsar_v1" "result_get" (func $result_get (param i32 i32) (result i32)))
  {extra_imports}
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (global $allocs (mut i32) (i32.const 0))
  (global $frees (mut i32) (i32.const 0))
  (global $records (mut i64) (i64.const 0))
  (data (i32.const 1024) "{data}")
  (func (export "pulsar_abi_version_1"))
  (func (export "pulsar_alloc") (param $size i32) (result i32)
    (local $ptr i32)
    (global.set $allocs (i32.add (global.get $allocs) (i32.const 1)))
    (local.set $ptr (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.add (i32.div_u (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))) (i32.const 65536)) (i32.const 1))))))
    (local.get $ptr))
  (func (export "pulsar_free") (param i32 i32) (global.set $frees (i32.add (global.get $frees) (i32.const 1))))
  (func $out (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32)) (i64.extend_i32_u (local.get $ptr))))
  (func (export "pulsar_process") (param $p i32) (param $n i32) (result i64)
    (local $s i32) (local $t i32)
    (global.set $records (i64.add (global.get $records) (i64.const 1)))
    {body})
)"#
    )
    .into_bytes()
}

#[derive(Default)]
struct TestHost {
    state: Mutex<HashMap<String, Vec<u8>>>,
    counters: Mutex<HashMap<String, i64>>,
    discarded: Mutex<Vec<Vec<u8>>>,
    fail_state: bool,
    calls: Mutex<Vec<(usize, Vec<i64>)>>,
    /// Set by a test whose host function calls back into wasm.
    reenter: Mutex<Option<Handle>>,
}

impl Host for TestHost {
    fn call_long(&self, index: usize, args: &[i64]) -> Result<i64, HostFailure> {
        self.calls.lock().unwrap().push((index, args.to_vec()));
        if let Some(handle) = *self.reenter.lock().unwrap() {
            return process(handle, b"x").map(|_| 0).map_err(|e| HostFailure {
                message: e.to_string(),
                cause: None,
            });
        }
        match args {
            [a] if *a < 0 => Err(HostFailure {
                message: "negative input".to_owned(),
                cause: Some(Cause(Arc::new("the cause".to_owned()))),
            }),
            [a] => Ok(a * 10),
            [a, b] => Ok(a - b),
            _ => Ok(-1),
        }
    }

    fn call_bytes(&self, _index: usize, input: &[u8]) -> Result<Option<Vec<u8>>, HostFailure> {
        if input == b"none" {
            return Ok(None);
        }
        Ok(Some(input.iter().rev().copied().collect()))
    }

    fn state_get(&self, key: &str) -> Result<Option<Vec<u8>>, HostFailure> {
        if self.fail_state {
            return Err(HostFailure {
                message: "state store down".to_owned(),
                cause: None,
            });
        }
        Ok(self.state.lock().unwrap().get(key).cloned())
    }

    fn counter_get(&self, key: &str) -> Result<i64, HostFailure> {
        Ok(*self.counters.lock().unwrap().get(key).unwrap_or(&0))
    }

    fn discarded(&self, effects: &[u8]) {
        self.discarded.lock().unwrap().push(effects.to_vec());
    }
}

fn spec(host: &Arc<TestHost>, grants: Grants) -> Arc<HostSpec> {
    let mut config = HashMap::new();
    config.insert("env".to_owned(), b"prod".to_vec());
    config.insert("big".to_owned(), vec![b'z'; 100]);
    Arc::new(HostSpec::new(
        vec![
            HostFunction {
                name: "times10".to_owned(),
                shape: Shape::Long,
            },
            HostFunction {
                name: "minus".to_owned(),
                shape: Shape::Long2,
            },
            HostFunction {
                name: "reverse".to_owned(),
                shape: Shape::Bytes,
            },
        ],
        config,
        grants,
        Some(host.clone() as Arc<dyn Host>),
    ))
}

fn all_grants() -> Grants {
    Grants {
        state: true,
        publish: vec!["persistent://public/default/side".to_owned()],
    }
}

fn load_v1(wasm: &[u8], host: &Arc<TestHost>, grants: Grants) -> Result<Handle, Error> {
    load(wasm, None, Limits::default(), spec(host, grants))
}

/// A decoded reply.
#[derive(Debug, PartialEq)]
struct Reply {
    kind: u8,
    output: Vec<u8>,
    effects: Vec<Effect>,
}

#[derive(Debug, PartialEq)]
enum Effect {
    Log(u8, String),
    Metric(String, f64),
    StatePut(String, Vec<u8>),
    StateDelete(String),
    Counter(String, i64),
    Publish(String, bool, Vec<u8>),
}

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn u8(&mut self) -> u8 {
        let v = self.0[0];
        self.0 = &self.0[1..];
        v
    }
    fn u32(&mut self) -> u32 {
        let v = u32::from_le_bytes(self.0[..4].try_into().unwrap());
        self.0 = &self.0[4..];
        v
    }
    fn i64(&mut self) -> i64 {
        let v = i64::from_le_bytes(self.0[..8].try_into().unwrap());
        self.0 = &self.0[8..];
        v
    }
    fn bytes(&mut self) -> Vec<u8> {
        let len = self.u32() as usize;
        let v = self.0[..len].to_vec();
        self.0 = &self.0[len..];
        v
    }
    fn text(&mut self) -> String {
        String::from_utf8(self.bytes()).unwrap()
    }
    fn effects(&mut self) -> Vec<Effect> {
        let count = self.u32();
        let effects = (0..count)
            .map(|_| match self.u8() {
                1 => Effect::Log(self.u8(), self.text()),
                2 => Effect::Metric(self.text(), f64::from_bits(self.i64() as u64)),
                3 => Effect::StatePut(self.text(), self.bytes()),
                4 => Effect::StateDelete(self.text()),
                5 => Effect::Counter(self.text(), self.i64()),
                6 => Effect::Publish(self.text(), self.u8() == 1, self.bytes()),
                other => panic!("unknown effect tag {other}"),
            })
            .collect();
        assert!(self.0.is_empty(), "trailing bytes");
        effects
    }
}

fn decode(reply: &[u8]) -> Reply {
    let mut c = Cursor(reply);
    let kind = c.u8();
    let output = c.bytes();
    Reply {
        kind,
        output,
        effects: c.effects(),
    }
}

fn run(handle: Handle, input: &[u8]) -> Result<Reply, Error> {
    process(handle, input).map(|r| decode(&r))
}

const ECHO: &str = "(call $out (local.get $p) (local.get $n))";

#[test]
fn bytes_in_bytes_out_with_one_guest_entry_and_a_reused_input_buffer() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    let handle = load_v1(&guest("", ECHO, ""), &host, Grants::default())?;
    for len in [0usize, 1, 100, 1024, 1025, 4096, 70_000, 10] {
        let input: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let reply = run(handle, &input)?;
        assert_eq!(
            reply,
            Reply {
                kind: 1,
                output: input,
                effects: vec![]
            }
        );
    }
    assert!(unload(handle));
    Ok(())
}

#[test]
fn the_input_buffer_grows_by_powers_of_two_and_the_old_one_is_freed() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    // Returns (allocs << 8 | frees) as 8 bytes at 2048, and the buffer's address.
    let body = r#"(i64.store (i32.const 2048) (i64.or (i64.shl (i64.extend_i32_u (global.get $allocs)) (i64.const 8)) (i64.extend_i32_u (global.get $frees))))
      (i32.store (i32.const 2056) (local.get $p))
      (call $out (i32.const 2048) (i32.const 12))"#;
    let handle = load_v1(&guest("", body, ""), &host, Grants::default())?;
    let counts = |reply: Reply| {
        let o = reply.output;
        (
            i64::from_le_bytes(o[..8].try_into().unwrap()),
            u32::from_le_bytes(o[8..12].try_into().unwrap()),
        )
    };
    let (first, ptr) = counts(run(handle, &[1; 10])?);
    assert_eq!(first, 1 << 8, "one allocation of the minimum size, nothing freed");
    let (again, same) = counts(run(handle, &[1; 1024])?);
    assert_eq!((again, same), (1 << 8, ptr), "1024 bytes fit the first buffer");
    let (grown, _) = counts(run(handle, &[1; 1025])?);
    assert_eq!(grown, (2 << 8) | 1, "a second allocation (2048), the first freed");
    let (kept, _) = counts(run(handle, &[1; 2000])?);
    assert_eq!(kept, (2 << 8) | 1);
    unload(handle);
    Ok(())
}

#[test]
fn zero_is_no_output_and_bit_63_is_the_guests_error_which_keeps_the_instance() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    let body = r#"
      (if (i32.eqz (local.get $n)) (then (return (i64.const 0))))
      (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 33))
        (then (return (i64.or (i64.const 0x8000000000000000) (call $out (i32.const 1024) (i32.const 3))))))
      (i64.store (i32.const 2048) (global.get $records))
      (call $out (i32.const 2048) (i32.const 8))"#;
    let handle = load_v1(&guest("", body, "bad"), &host, Grants::default())?;
    assert_eq!(run(handle, b"")?.kind, 0);
    match run(handle, b"!") {
        Err(Error::Guest(message)) => assert_eq!(message, "bad"),
        other => panic!("expected the guest's error, got {other:?}"),
    }
    // Three records so far on one instance: the error did not discard it.
    assert_eq!(run(handle, b"x")?.output, 3i64.to_le_bytes());
    unload(handle);
    Ok(())
}

#[test]
fn a_result_outside_memory_is_reported_and_the_instance_discarded() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    let body = r#"
      (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 33))
        (then (return (call $out (i32.const 131000) (i32.const 1000)))))
      (i64.store (i32.const 2048) (global.get $records))
      (call $out (i32.const 2048) (i32.const 8))"#;
    let handle = load_v1(&guest("", body, ""), &host, Grants::default())?;
    assert_eq!(run(handle, b"x")?.output, 1i64.to_le_bytes());
    match run(handle, b"!") {
        Err(Error::Trap { message, .. }) => assert!(message.contains("outside its memory"), "{message}"),
        other => panic!("expected a bad-pointer error, got {other:?}"),
    }
    assert_eq!(run(handle, b"x")?.output, 1i64.to_le_bytes(), "a fresh instance");
    unload(handle);
    Ok(())
}

#[test]
fn output_records_are_checked_before_java_sees_them() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    // A valid envelope: version 1, flags 1 (key), event time 0, value "v", key "k", topic "", 0 properties.
    let envelope = r"\01\00\01\00\00\00\00\00\00\00\00\00\01\00\00\00v\01\00\00\00k\00\00\00\00\00\00\00\00";
    let body = r#"
      (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 33))
        (then (return (i64.or (i64.const 0x4000000000000000) (call $out (i32.const 1024) (i32.const 20))))))
      (i64.or (i64.const 0x4000000000000000) (call $out (i32.const 1024) (i32.const 34)))"#;
    let handle = load_v1(&guest("", body, envelope), &host, Grants::default())?;
    let reply = run(handle, b"x")?;
    assert_eq!(reply.kind, 2);
    assert_eq!(reply.output.len(), 34);
    match run(handle, b"!") {
        Err(Error::Guest(message)) => assert!(message.contains("malformed output record"), "{message}"),
        other => panic!("expected a malformed-record error, got {other:?}"),
    }
    unload(handle);
    Ok(())
}

#[test]
fn an_output_record_for_an_ungranted_destination_is_refused() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    // Version 1, flags 4 (destination), value "v", key "", destination "side" or "evil", 0 properties.
    let record = |topic: &str| {
        format!(r"\01\00\04\00\00\00\00\00\00\00\00\00\01\00\00\00v\00\00\00\00\04\00\00\00{topic}\00\00\00\00")
    };
    let data = format!("{}{}", record("side"), record("evil"));
    let body = r#"
      (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 33))
        (then (return (i64.or (i64.const 0x4000000000000000) (call $out (i32.const 1057) (i32.const 33))))))
      (i64.or (i64.const 0x4000000000000000) (call $out (i32.const 1024) (i32.const 33)))"#;
    let handle = load_v1(&guest("", body, &data), &host, all_grants())?;
    assert_eq!(run(handle, b"x")?.kind, 2);
    match run(handle, b"!") {
        Err(Error::Guest(message)) => assert!(
            message.contains("persistent://public/default/evil, which this function was not granted"),
            "{message}"
        ),
        other => panic!("expected the destination refused, got {other:?}"),
    }
    unload(handle);
    Ok(())
}

#[test]
fn effects_come_back_in_order_with_the_result() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    // data: "hello"@1024 "k"@1029 "v"@1030 "m"@1031 "side"@1032
    let body = r#"
      (drop (call $log (i32.const 2) (i32.const 1024) (i32.const 5)))
      (drop (call $state_put (i32.const 1029) (i32.const 1) (i32.const 1030) (i32.const 1)))
      (drop (call $counter_incr (i32.const 1029) (i32.const 1) (i64.const 5)))
      (drop (call $metric (i32.const 1031) (i32.const 1) (f64.const 2.5)))
      (drop (call $publish (i32.const 1032) (i32.const 4) (i32.const 1024) (i32.const 5) (i32.const 0)))
      (drop (call $state_delete (i32.const 1029) (i32.const 1)))
      (call $out (local.get $p) (local.get $n))"#;
    let handle = load_v1(&guest("", body, "hellokvmside"), &host, all_grants())?;
    let reply = run(handle, b"in")?;
    assert_eq!(
        reply,
        Reply {
            kind: 1,
            output: b"in".to_vec(),
            effects: vec![
                Effect::Log(2, "hello".to_owned()),
                Effect::StatePut("k".to_owned(), b"v".to_vec()),
                Effect::Counter("k".to_owned(), 5),
                Effect::Metric("m".to_owned(), 2.5),
                Effect::Publish("persistent://public/default/side".to_owned(), false, b"hello".to_vec()),
                Effect::StateDelete("k".to_owned()),
            ]
        }
    );
    // The next record starts with an empty effect list.
    assert_eq!(run(handle, b"in")?.effects.len(), 6);
    unload(handle);
    Ok(())
}

#[test]
fn ungranted_state_and_topics_return_not_permitted_and_log_once() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    // Returns the two statuses as 8 bytes.
    let body = r#"
      (i32.store (i32.const 2048) (call $state_put (i32.const 1029) (i32.const 1) (i32.const 1030) (i32.const 1)))
      (i32.store (i32.const 2052) (call $publish (i32.const 1031) (i32.const 5) (i32.const 1024) (i32.const 5) (i32.const 0)))
      (call $out (i32.const 2048) (i32.const 8))"#;
    let grants = Grants {
        state: false,
        publish: vec!["persistent://public/default/side".to_owned()],
    };
    let handle = load_v1(&guest("", body, "hellokvother"), &host, grants)?;
    let reply = run(handle, b"x")?;
    assert_eq!(reply.output[..4], (-3i32).to_le_bytes());
    assert_eq!(reply.output[4..], (-3i32).to_le_bytes());
    assert_eq!(reply.effects.len(), 2, "{:?}", reply.effects);
    assert!(matches!(&reply.effects[0], Effect::Log(3, line) if line.contains("not granted state")));
    assert!(
        matches!(&reply.effects[1], Effect::Log(3, line) if line.contains("persistent://public/default/other")),
        "{:?}",
        reply.effects
    );
    let again = run(handle, b"x")?;
    assert_eq!(again.output, reply.output);
    assert!(
        again.effects.is_empty(),
        "refusals are logged once per function: {:?}",
        again.effects
    );
    unload(handle);
    Ok(())
}

#[test]
fn a_trap_leaves_no_effects_but_delivers_its_log_lines() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    let body = r#"
      (drop (call $log (i32.const 4) (i32.const 1024) (i32.const 5)))
      (drop (call $state_put (i32.const 1029) (i32.const 1) (i32.const 1030) (i32.const 1)))
      (drop (call $metric (i32.const 1031) (i32.const 1) (f64.const 1)))
      (drop (call $publish (i32.const 1032) (i32.const 4) (i32.const 1024) (i32.const 5) (i32.const 0)))
      (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 33)) (then unreachable))
      (call $out (local.get $p) (local.get $n))"#;
    let handle = load_v1(&guest("", body, "hellokvmside"), &host, all_grants())?;
    match run(handle, b"!") {
        Err(Error::Trap { code, .. }) => assert_eq!(code.as_deref(), Some("UnreachableCodeReached")),
        other => panic!("expected a trap, got {other:?}"),
    }
    let discarded = host.discarded.lock().unwrap().clone();
    assert_eq!(discarded.len(), 1);
    assert_eq!(
        Cursor(&discarded[0]).effects(),
        vec![Effect::Log(4, "hello".to_owned()), Effect::Metric("m".to_owned(), 1.0)]
    );
    assert_eq!(run(handle, b"ok")?.effects.len(), 4);
    unload(handle);
    Ok(())
}

#[test]
fn config_and_state_reads_use_the_out_buffer_convention() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    host.state.lock().unwrap().insert("k".to_owned(), b"stored".to_vec());
    // data: "env"@1024 "big"@1027 "k"@1030 "nope"@1031 "v2"@1035
    // Writes at 2048: config_get(env) status, its bytes at 2100; config_get(big, cap 10) = 100,
    // result_get(cap 200) = 100 at 2200; state_get(k) before and after a put; missing key.
    let body = r#"
      (i32.store (i32.const 2048) (call $config_get (i32.const 1024) (i32.const 3) (i32.const 2100) (i32.const 16)))
      (i32.store (i32.const 2052) (call $config_get (i32.const 1027) (i32.const 3) (i32.const 2300) (i32.const 10)))
      (i32.store (i32.const 2056) (call $result_get (i32.const 2200) (i32.const 200)))
      (i32.store (i32.const 2060) (call $result_get (i32.const 2200) (i32.const 200)))
      (i32.store (i32.const 2064) (call $state_get (i32.const 1030) (i32.const 1) (i32.const 2120) (i32.const 16)))
      (drop (call $state_put (i32.const 1030) (i32.const 1) (i32.const 1035) (i32.const 2)))
      (i32.store (i32.const 2068) (call $state_get (i32.const 1030) (i32.const 1) (i32.const 2140) (i32.const 16)))
      (i32.store (i32.const 2072) (call $config_get (i32.const 1031) (i32.const 4) (i32.const 2100) (i32.const 16)))
      (call $out (i32.const 2048) (i32.const 100))"#;
    let handle = load_v1(&guest("", body, "envbigknopev2"), &host, all_grants())?;
    let out = run(handle, b"x")?.output;
    let status = |i: usize| i32::from_le_bytes(out[i * 4..i * 4 + 4].try_into().unwrap());
    assert_eq!([status(0), status(1), status(2), status(3)], [4, 100, 100, -1]);
    assert_eq!(&out[52..56], b"prod");
    assert_eq!([status(4), status(5), status(6)], [6, 2, -1]);
    assert_eq!(&out[72..78], b"stored");
    assert_eq!(&out[92..94], b"v2", "read-your-writes");
    unload(handle);
    Ok(())
}

#[test]
fn a_failing_state_store_is_host_error_for_the_guest_and_a_log_line() -> Result<(), Error> {
    let host = Arc::new(TestHost {
        fail_state: true,
        ..TestHost::default()
    });
    let body = r#"
      (i32.store (i32.const 2048) (call $state_get (i32.const 1024) (i32.const 1) (i32.const 2100) (i32.const 16)))
      (call $out (i32.const 2048) (i32.const 4))"#;
    let handle = load_v1(&guest("", body, "k"), &host, all_grants())?;
    let reply = run(handle, b"x")?;
    assert_eq!(reply.output, (-5i32).to_le_bytes());
    assert!(matches!(&reply.effects[..], [Effect::Log(3, line)] if line.contains("state store down")));
    unload(handle);
    Ok(())
}

#[test]
fn counters_include_the_records_own_increments() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    host.counters.lock().unwrap().insert("c".to_owned(), 40);
    let body = r#"
      (drop (call $counter_incr (i32.const 1024) (i32.const 1) (i64.const 2)))
      (drop (call $counter_get (i32.const 1024) (i32.const 1) (i32.const 2048)))
      (call $out (i32.const 2048) (i32.const 8))"#;
    let handle = load_v1(&guest("", body, "c"), &host, all_grants())?;
    assert_eq!(run(handle, b"x")?.output, 42i64.to_le_bytes());
    unload(handle);
    Ok(())
}

#[test]
fn bad_pointers_in_host_calls_trap() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    for call in [
        "(call $log (i32.const 2) (i32.const 131000) (i32.const 1000))",
        "(call $log (i32.const 2) (i32.const -1) (i32.const 2))",
        "(call $config_get (i32.const 1024) (i32.const 3) (i32.const 131070) (i32.const 16))",
        "(call $publish (i32.const 1024) (i32.const 3) (i32.const 0) (i32.const -1) (i32.const 0))",
        "(call $counter_get (i32.const 1024) (i32.const 1) (i32.const 131068))",
    ] {
        let body = format!("(drop {call}) (call $out (local.get $p) (local.get $n))");
        let handle = load_v1(&guest("", &body, "env"), &host, all_grants())?;
        match run(handle, b"x") {
            Err(Error::Trap { message, .. }) => {
                assert!(message.contains("bad pointer from the guest"), "{call}: {message}")
            }
            other => panic!("{call}: expected a trap, got {other:?}"),
        }
        unload(handle);
    }
    Ok(())
}

const USER_IMPORTS: &str = r#"
  (import "pulsar_user" "times10" (func $times10 (param i64) (result i64)))
  (import "pulsar_user" "minus" (func $minus (param i64 i64) (result i64)))
  (import "pulsar_user" "reverse" (func $reverse (param i32 i32 i32 i32) (result i32)))"#;

#[test]
fn java_host_functions_of_three_shapes() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    let body = r#"
      (i64.store (i32.const 2048) (call $times10 (i64.const 7)))
      (i64.store (i32.const 2056) (call $minus (i64.const 10) (i64.const 3)))
      (i32.store (i32.const 2064) (call $reverse (local.get $p) (local.get $n) (i32.const 2100) (i32.const 2)))
      (i32.store (i32.const 2068) (call $result_get (i32.const 2100) (i32.const 64)))
      (call $out (i32.const 2048) (i32.const 56))"#;
    let handle = load_v1(&guest(USER_IMPORTS, body, ""), &host, Grants::default())?;
    let out = run(handle, b"abc")?.output;
    assert_eq!(out[..8], 70i64.to_le_bytes());
    assert_eq!(out[8..16], 7i64.to_le_bytes());
    assert_eq!(
        out[16..20],
        3i32.to_le_bytes(),
        "full length, nothing copied into 2 bytes"
    );
    assert_eq!(out[20..24], 3i32.to_le_bytes());
    assert_eq!(&out[52..55], b"cba");
    assert_eq!(*host.calls.lock().unwrap(), vec![(0, vec![7]), (1, vec![10, 3])]);
    unload(handle);
    Ok(())
}

#[test]
fn a_failing_host_function_traps_with_its_cause_and_the_instance_is_discarded() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    let body = r#"
      (i64.store (i32.const 2048) (call $times10 (i64.load8_s (local.get $p))))
      (i64.store (i32.const 2056) (global.get $records))
      (call $out (i32.const 2048) (i32.const 16))"#;
    let handle = load_v1(&guest(USER_IMPORTS, body, ""), &host, Grants::default())?;
    assert_eq!(run(handle, &[2])?.output[8..], 1i64.to_le_bytes());
    assert_eq!(run(handle, &[2])?.output[8..], 2i64.to_le_bytes());
    match run(handle, &[0xff]) {
        Err(Error::HostFunction {
            function,
            message,
            cause: Some(cause),
            trace,
        }) => {
            assert_eq!(function, "times10");
            assert!(message.contains("negative input"), "{message}");
            assert_eq!(cause.0.downcast_ref::<String>().map(String::as_str), Some("the cause"));
            assert!(!trace.is_empty());
        }
        other => panic!("expected a host-function error, got {other:?}"),
    }
    assert_eq!(run(handle, &[2])?.output[8..], 1i64.to_le_bytes(), "a fresh instance");
    unload(handle);
    Ok(())
}

#[test]
fn a_host_function_cannot_call_wasm_on_the_same_thread() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    let other = load_v1(&guest("", ECHO, ""), &host, Grants::default())?;
    let body = "(drop (call $times10 (i64.const 1))) (call $out (local.get $p) (local.get $n))";
    let handle = load_v1(&guest(USER_IMPORTS, body, ""), &host, Grants::default())?;
    *host.reenter.lock().unwrap() = Some(other);
    match run(handle, b"x") {
        Err(Error::HostFunction { message, .. }) => assert!(message.contains("re-entrant"), "{message}"),
        other => panic!("expected the nested call refused, got {other:?}"),
    }
    *host.reenter.lock().unwrap() = None;
    // Both work again afterwards.
    assert_eq!(run(other, b"y")?.output, b"y");
    assert_eq!(run(handle, b"z")?.output, b"z");
    unload(handle);
    unload(other);
    Ok(())
}

#[test]
fn a_function_of_numbers_may_import_java_host_functions() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    let wasm = br#"(module
      (import "pulsar_user" "times10" (func $t (param i64) (result i64)))
      (func (export "apply") (param i64) (result i64) (i64.add (call $t (local.get 0)) (i64.const 1))))"#;
    let handle = load(wasm, Some("apply"), Limits::default(), spec(&host, Grants::default()))?;
    assert_eq!(call_i64(handle, 4)?, 41);
    unload(handle);
    Ok(())
}

fn load_error(wasm: &[u8], export: Option<&str>) -> String {
    let host = Arc::new(TestHost::default());
    match load(wasm, export, Limits::default(), spec(&host, Grants::default())) {
        Ok(_) => panic!("expected a load error"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn markers_entries_and_imports_are_checked_at_load_with_messages_that_say_what_to_do() {
    let v2 = br#"(module (memory (export "memory") 1) (func (export "pulsar_abi_version_2"))
      (func (export "pulsar_process") (param i32 i32) (result i64) i64.const 0))"#;
    assert!(load_error(v2, None).contains("it exports pulsar_abi_version_2); this library supports version 1"));

    let unmarked = br#"(module (memory (export "memory") 1)
      (func (export "pulsar_process") (param i32 i32) (result i64) i64.const 0))"#;
    assert!(load_error(unmarked, None).contains("but not the ABI marker pulsar_abi_version_1"));

    let numbers = br#"(module (func (export "apply") (param i64) (result i64) local.get 0))"#;
    assert!(load_error(numbers, None).contains("is loaded as a WasmFunction"));

    let v1 = guest("", ECHO, "");
    assert!(load_error(&v1, Some("apply")).contains("load it as a WasmProcessor"));

    let no_alloc = br#"(module (memory (export "memory") 1) (func (export "pulsar_abi_version_1"))
      (func (export "pulsar_process") (param i32 i32) (result i64) i64.const 0))"#;
    assert!(load_error(no_alloc, None).contains("no exported function `pulsar_alloc`"));

    let unregistered = guest(
        r#"(import "pulsar_user" "geo" (func (param i64) (result i64)))"#,
        ECHO,
        "",
    );
    let message = load_error(&unregistered, None);
    assert!(
        message.contains("pulsar_user.geo, which is not registered"),
        "{message}"
    );
    assert!(
        message.contains("registered: times10 (long), minus (long2), reverse (bytes)"),
        "{message}"
    );

    let wrong_type = guest(
        r#"(import "pulsar_user" "times10" (func (param i32) (result i32)))"#,
        ECHO,
        "",
    );
    assert!(load_error(&wrong_type, None).contains("pulsar_user.times10 with the wrong type"));

    let unknown = guest(r#"(import "pulsar_v1" "teleport" (func))"#, ECHO, "");
    assert!(load_error(&unknown, None).contains("pulsar_v1.teleport, which this host does not have"));

    let v1_import_in_v0 = br#"(module (import "pulsar_v1" "log" (func (param i32 i32 i32) (result i32)))
      (func (export "apply") (param i64) (result i64) local.get 0))"#;
    assert!(load_error(v1_import_in_v0, Some("apply")).contains("serve bytes/record guests"));

    // An import module this host does not have (emscripten's `env`) is named with the function.
    let foreign = guest(
        r#"(import "env" "emscripten_memcpy_big" (func (param i32 i32 i32) (result i32)))"#,
        ECHO,
        "",
    );
    let message = load_error(&foreign, None);
    assert!(
        message.contains("env.emscripten_memcpy_big") && message.contains("wasi_snapshot_preview1"),
        "{message}"
    );
}

#[test]
fn v1_guests_run_under_the_limits_of_a_call() -> Result<(), Error> {
    let host = Arc::new(TestHost::default());
    let body = "(loop $l (br $l)) (i64.const 0)";
    let limits = Limits {
        timeout: Some(std::time::Duration::from_millis(50)),
        ..Limits::default()
    };
    let handle = load(&guest("", body, ""), None, limits, spec(&host, Grants::default()))?;
    assert!(matches!(run(handle, b"x"), Err(Error::DeadlineExceeded { .. })));
    unload(handle);
    Ok(())
}
