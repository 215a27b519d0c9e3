//! What a function offers its guest besides the entry: Java host functions (`pulsar_user`),
//! the user config, the capabilities it was granted, and the callbacks that reach Java.
//!
//! The core knows Java only through [`Host`], so the ABI is tested without a JVM
//! (`tests/abi.rs` implements it in Rust); `jni::host` implements it with upcalls.

#![forbid(unsafe_code)]

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use wasmer::{FunctionType, Type};

/// Calls from the guest that need the embedder: synchronous reads and Java host functions.
/// Called on the thread that runs the guest, inside its call.
pub trait Host: Send + Sync {
    /// A `long` or `long2` host function, by its index in [`HostSpec::functions`].
    fn call_long(&self, index: usize, args: &[i64]) -> Result<i64, HostFailure>;
    /// A `bytes` host function; `None` is "no value" (`NOT_FOUND` for the guest).
    fn call_bytes(&self, index: usize, input: &[u8]) -> Result<Option<Vec<u8>>, HostFailure>;
    fn state_get(&self, key: &str) -> Result<Option<Vec<u8>>, HostFailure>;
    fn counter_get(&self, key: &str) -> Result<i64, HostFailure>;
    /// The log lines and metrics of a record that failed (encoded as in a reply's effect list),
    /// so they are not lost with the rest of its effects.
    fn discarded(&self, effects: &[u8]);
    /// The function was unloaded: release what reaches the embedder (no calls come after).
    fn close(&self) {}
}

/// A host call that failed on the embedder's side: a Java exception, kept as `cause`.
#[derive(Debug, Clone)]
pub struct HostFailure {
    pub message: String,
    pub cause: Option<Cause>,
}

/// An embedder's object carried through an error (the JNI layer keeps the Java exception here).
#[derive(Clone)]
pub struct Cause(pub Arc<dyn Any + Send + Sync>);

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cause(..)")
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Cause {}

/// The wasm signature of a Java host function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `(i64) -> i64`
    Long,
    /// `(i64, i64) -> i64`
    Long2,
    /// `(i32 ptr, i32 len, i32 buf, i32 cap) -> i32`, the out-buffer convention.
    Bytes,
}

impl Shape {
    pub fn from_name(name: &str) -> Option<Shape> {
        match name {
            "long" => Some(Shape::Long),
            "long2" => Some(Shape::Long2),
            "bytes" => Some(Shape::Bytes),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::Long => "long",
            Shape::Long2 => "long2",
            Shape::Bytes => "bytes",
        }
    }

    pub fn wasm_type(self) -> FunctionType {
        match self {
            Shape::Long => FunctionType::new([Type::I64], [Type::I64]),
            Shape::Long2 => FunctionType::new([Type::I64, Type::I64], [Type::I64]),
            Shape::Bytes => FunctionType::new([Type::I32; 4], [Type::I32]),
        }
    }
}

/// A Java host function as registered: its import name in `pulsar_user` and its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFunction {
    pub name: String,
    pub shape: Shape,
}

/// The capabilities a function was granted. Nothing is granted by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// State and counters.
    pub state: bool,
    /// Topics the guest may publish to: fully qualified names, or prefixes ending in `*`.
    pub publish: Vec<String>,
}

impl Grants {
    /// Whether the guest may publish to `topic` (already normalized).
    pub fn may_publish(&self, topic: &str) -> bool {
        self.publish.iter().any(|grant| match grant.strip_suffix('*') {
            Some(prefix) => topic.starts_with(prefix),
            None => topic == grant,
        })
    }
}

/// A topic name as Pulsar resolves it: `name` is `persistent://public/default/name`,
/// `tenant/ns/name` is `persistent://tenant/ns/name`. `None` for a name Pulsar would refuse.
pub fn normalize_topic(topic: &str) -> Option<String> {
    if topic.is_empty() || topic.chars().any(char::is_whitespace) {
        return None;
    }
    if let Some((domain, rest)) = topic.split_once("://") {
        let parts = rest.split('/').count();
        return ((domain == "persistent" || domain == "non-persistent")
            && parts >= 3
            && !rest.split('/').any(str::is_empty))
        .then(|| topic.to_owned());
    }
    match topic.split('/').collect::<Vec<_>>().as_slice() {
        [name] => Some(format!("persistent://public/default/{name}")),
        parts if parts.len() >= 3 && !parts.iter().any(|p| p.is_empty()) => Some(format!("persistent://{topic}")),
        _ => None,
    }
}

/// Normalizes a publish grant: a topic, or a prefix ending in `*` (normalized the same way, so
/// `side-*` grants `persistent://public/default/side-...`).
pub fn normalize_grant(grant: &str) -> Option<String> {
    match grant.strip_suffix('*') {
        Some(prefix) if prefix.ends_with('/') || prefix.ends_with("://") => {
            let probe = normalize_topic(&format!("{prefix}x"))?;
            Some(format!("{}*", &probe[..probe.len() - 1]))
        }
        Some(prefix) => normalize_topic(prefix).map(|p| format!("{p}*")),
        None => normalize_topic(grant),
    }
}

/// Everything a function's guest can reach besides its own exports.
pub struct HostSpec {
    pub functions: Vec<HostFunction>,
    /// The user config, each value as the guest reads it (strings as they are, others as JSON).
    pub config: HashMap<String, Vec<u8>>,
    pub grants: Grants,
    /// `None` when nothing can reach Java (a function without host functions loaded by Rust
    /// code): reads answer `UNAVAILABLE`.
    pub host: Option<Arc<dyn Host>>,
    /// What a WASI guest sees of its process (arguments, environment).
    pub wasi: crate::wasi::WasiConfig,
    /// Refusals already logged, by kind (once per function and kind, not per record).
    pub(crate) warned: [AtomicBool; 2],
}

impl fmt::Debug for HostSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostSpec")
            .field("functions", &self.functions)
            .field("config", &self.config.keys().collect::<Vec<_>>())
            .field("grants", &self.grants)
            .field("host", &self.host.is_some())
            .finish()
    }
}

impl Default for HostSpec {
    fn default() -> Self {
        HostSpec::new(Vec::new(), HashMap::new(), Grants::default(), None)
    }
}

impl HostSpec {
    pub fn new(
        functions: Vec<HostFunction>,
        config: HashMap<String, Vec<u8>>,
        grants: Grants,
        host: Option<Arc<dyn Host>>,
    ) -> HostSpec {
        HostSpec {
            functions,
            config,
            grants,
            host,
            wasi: crate::wasi::WasiConfig::default(),
            warned: Default::default(),
        }
    }

    /// This spec with `wasi` as what WASI guests see of their process.
    pub fn with_wasi(mut self, wasi: crate::wasi::WasiConfig) -> HostSpec {
        self.wasi = wasi;
        self
    }

    pub fn function(&self, name: &str) -> Option<(usize, &HostFunction)> {
        self.functions.iter().enumerate().find(|(_, f)| f.name == name)
    }

    /// Whether a refusal of this kind is the first: 0 state, 1 publish.
    pub(crate) fn first_refusal(&self, kind: usize) -> bool {
        !self.warned[kind].swap(true, Ordering::Relaxed)
    }

    /// The registered functions, for error messages.
    pub fn describe_functions(&self) -> String {
        if self.functions.is_empty() {
            "none are registered".to_owned()
        } else {
            let names: Vec<String> = self
                .functions
                .iter()
                .map(|f| format!("{} ({})", f.name, f.shape.name()))
                .collect();
            format!("registered: {}", names.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_resolve_as_pulsar_resolves_them() {
        assert_eq!(
            normalize_topic("side").as_deref(),
            Some("persistent://public/default/side")
        );
        assert_eq!(normalize_topic("t/n/side").as_deref(), Some("persistent://t/n/side"));
        assert_eq!(
            normalize_topic("non-persistent://t/n/x").as_deref(),
            Some("non-persistent://t/n/x")
        );
        assert_eq!(normalize_topic("a/b"), None);
        assert_eq!(normalize_topic(""), None);
        assert_eq!(normalize_topic("http://t/n/x"), None);
        assert_eq!(normalize_topic("t//x"), None);
    }

    #[test]
    fn grants_match_exact_topics_and_prefixes() {
        let grants = Grants {
            state: false,
            publish: ["side", "audit-*", "persistent://t/n/*"]
                .iter()
                .filter_map(|g| normalize_grant(g))
                .collect(),
        };
        assert_eq!(
            grants.publish,
            [
                "persistent://public/default/side",
                "persistent://public/default/audit-*",
                "persistent://t/n/*"
            ]
        );
        assert!(grants.may_publish("persistent://public/default/side"));
        assert!(!grants.may_publish("persistent://public/default/side2"));
        assert!(grants.may_publish("persistent://public/default/audit-1"));
        assert!(grants.may_publish("persistent://t/n/anything"));
        assert!(!grants.may_publish("persistent://t/m/x"));
    }
}
