//! Inputs for the fuzz tests: valid but odd modules from `wasm-smith`, random bytes, and
//! mutations of valid modules, all from a seed (a run can be repeated exactly).

use arbitrary::Unstructured;
use wasm_smith::{Config, Module};

/// splitmix64: small, fast, and good enough to drive the generators.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// A module that exports what every generated module must export: `apply: (i64) -> i64`.
const REQUIRED_EXPORTS: &str = r#"(module (func (export "apply") (param i64) (result i64) unreachable))"#;

/// A valid module generated from `seed`, with the features the engine supports, no imports and
/// an export `apply: (i64) -> i64`; `None` when the generator gives up on this seed.
pub fn smith_module(seed: u64) -> Option<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let len = 2048 + rng.below(6144);
    let data = rng.bytes(len);
    let mut config = Config {
        max_imports: 0,
        exports: Some(wasmer::wat2wasm(REQUIRED_EXPORTS.as_bytes()).ok()?.into_owned()),
        // What wasmer 7.4 does not enable: these would only ever fail to compile.
        gc_enabled: false,
        exceptions_enabled: false,
        memory64_enabled: false,
        relaxed_simd_enabled: false,
        tail_call_enabled: false,
        wide_arithmetic_enabled: false,
        custom_page_sizes_enabled: false,
        ..Config::default()
    };
    config.max_memory32_bytes = 1 << 32;
    Module::new(config, &mut Unstructured::new(&data))
        .ok()
        .map(|m| m.to_bytes())
}

/// Random bytes; half of them start with the wasm header, so they get past the first check.
pub fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(512);
    let mut bytes = rng.bytes(len);
    if rng.below(2) == 0 {
        let mut with_header = b"\0asm\x01\0\0\0".to_vec();
        with_header.append(&mut bytes);
        bytes = with_header;
    }
    bytes
}

/// A valid module changed a little: bits flipped, cut short, bytes inserted or overwritten.
pub fn mutate(rng: &mut Rng, valid: &[u8]) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes.truncate(at),
            2 => {
                let len = 1 + rng.below(8);
                let insert = rng.bytes(len);
                bytes.splice(at..at, insert);
            }
            _ => bytes[at] = rng.next_u64() as u8,
        }
    }
    bytes
}
