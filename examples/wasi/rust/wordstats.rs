//! wordstats, in Rust with `std` (HashMap, String, println!) on Debian's wasm32-wasi target:
//! the same function as wordstats.c. println! goes to the function's log through WASI stdout.
use std::collections::HashMap;

use pulsar_wasm_guest::{self as pulsar, Buf, Output};

fn wordstats(value: &[u8]) -> String {
    let lower = value.to_ascii_lowercase();
    let mut counts: HashMap<&[u8], u32> = HashMap::new();
    let mut total = 0u32;
    for word in lower.split(|c| *c == b' ' || (b'\t'..=b'\r').contains(c)).filter(|w| !w.is_empty()) {
        *counts.entry(word).or_insert(0) += 1;
        total += 1;
    }
    let mut tallies: Vec<(&[u8], u32)> = counts.into_iter().collect();
    tallies.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = tallies
        .iter()
        .take(3)
        .map(|(w, n)| format!("{}:{}", String::from_utf8_lossy(w), n))
        .collect();
    println!("wordstats: {} words, {} distinct", total, tallies.len());
    format!("total={} unique={} top={}", total, tallies.len(), top.join(","))
}

pulsar::bytes_function!(|value: &[u8]| -> Output {
    // Words are bytes, not necessarily UTF-8: build the output from bytes.
    let text = wordstats(value);
    Output::from_buf(Buf::from_slice(text.as_bytes()))
});
