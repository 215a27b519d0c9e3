//! [`Output`] (what `pulsar_process` returns) and [`OutputRecord`] (the output record
//! envelope, version 1, also used by [`publish_record`](crate::publish_record)).

use crate::Buf;

/// The result of one record: none (filtered), a value, an error, or a record.
///
/// The SDK turns it into the ABI's `i64` and keeps the bytes alive until the next entry.
#[must_use]
pub struct Output(pub(crate) Repr);

pub(crate) enum Repr {
    None,
    Value(Buf),
    Error(Buf),
    Record(OutputRecord),
}

impl Output {
    /// No output: the record is filtered out (Pulsar: the function returns `null`; the input
    /// is acknowledged). The record's effects are applied.
    pub fn none() -> Output {
        Output(Repr::None)
    }

    /// The output value: a copy of `bytes` (may be empty).
    pub fn value(bytes: impl AsRef<[u8]>) -> Output {
        Output(Repr::Value(Buf::from_slice(bytes.as_ref())))
    }

    /// The output value, without copying.
    pub fn from_buf(value: Buf) -> Output {
        Output(Repr::Value(value))
    }

    /// The record failed with `message` (Java gets a `WasmGuestException` with it). The
    /// record's state, counter and publish effects are dropped; its logs and metrics stay.
    pub fn error(message: impl AsRef<[u8]>) -> Output {
        Output(Repr::Error(Buf::from_slice(message.as_ref())))
    }

    /// An output record (key, properties, event time, destination topic).
    pub fn record(record: OutputRecord) -> Output {
        Output(Repr::Record(record))
    }
}

impl From<OutputRecord> for Output {
    fn from(record: OutputRecord) -> Output {
        Output::record(record)
    }
}

impl From<Buf> for Output {
    fn from(value: Buf) -> Output {
        Output::from_buf(value)
    }
}

/// An output record: a value and, optionally, a key, properties, an event time and a
/// destination topic (one other than the output topic needs the publish capability for it).
/// Builder methods take and return `self`:
///
/// ```ignore
/// OutputRecord::new(b"v").maybe_key(rec.key()).properties(rec.properties()).property("p", "1")
/// ```
#[derive(Clone, Debug)]
pub struct OutputRecord {
    value: Buf,
    key: Option<Buf>,
    event_time: Option<i64>,
    destination: Option<Buf>,
    /// Encoded pairs `(u32 len, name, u32 len, value)*`; `Some` sets flag bit3.
    properties: Option<Buf>,
    property_count: u32,
}

const KEY: u16 = 1;
const EVENT_TIME: u16 = 2;
const DESTINATION: u16 = 4;
const PROPERTIES: u16 = 8;

fn put_field(out: &mut Buf, bytes: &[u8]) {
    out.push_le(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

impl OutputRecord {
    /// A record whose value is a copy of `value`.
    pub fn new(value: impl AsRef<[u8]>) -> OutputRecord {
        OutputRecord::from_buf(Buf::from_slice(value.as_ref()))
    }

    /// A record with this value, without copying.
    pub fn from_buf(value: Buf) -> OutputRecord {
        OutputRecord { value, key: None, event_time: None, destination: None, properties: None, property_count: 0 }
    }

    /// Sets the key (flag bit0).
    pub fn key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.key = Some(Buf::from_slice(key.as_ref()));
        self
    }

    /// Sets the key when `key` is `Some`; leaves it unset otherwise.
    pub fn maybe_key<K: AsRef<[u8]>>(self, key: Option<K>) -> Self {
        match key {
            Some(k) => self.key(k),
            None => self,
        }
    }

    /// Sets the event time, ms since the epoch (flag bit1).
    pub fn event_time(mut self, ms: i64) -> Self {
        self.event_time = Some(ms);
        self
    }

    /// Sends it to `topic` instead of the function's output topic (flag bit2).
    pub fn destination(mut self, topic: impl AsRef<[u8]>) -> Self {
        self.destination = Some(Buf::from_slice(topic.as_ref()));
        self
    }

    /// Appends a property (and sets flag bit3).
    pub fn property(mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Self {
        self.push_property(name.as_ref(), value.as_ref());
        self
    }

    /// Appends properties, in order (for example `record.properties()`), and sets flag bit3
    /// even when there are none: the record then has no properties.
    pub fn properties<I, K, V>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        self.properties.get_or_insert_with(Buf::new);
        for (k, v) in properties {
            self.push_property(k.as_ref(), v.as_ref());
        }
        self
    }

    fn push_property(&mut self, name: &[u8], value: &[u8]) {
        let p = self.properties.get_or_insert_with(Buf::new);
        put_field(p, name);
        put_field(p, value);
        self.property_count += 1;
    }

    /// The value.
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// The value, to append to it.
    pub fn value_mut(&mut self) -> &mut Buf {
        &mut self.value
    }

    /// The envelope's length in bytes.
    pub fn encoded_len(&self) -> usize {
        12 + 16
            + self.value.len()
            + self.key.as_ref().map_or(0, |b| b.len())
            + self.destination.as_ref().map_or(0, |b| b.len())
            + self.properties.as_ref().map_or(0, |b| b.len())
    }

    /// Writes the envelope into `out` (replacing its content).
    pub fn encode_into(&self, out: &mut Buf) {
        let mut flags = 0u16;
        if self.key.is_some() {
            flags |= KEY;
        }
        if self.event_time.is_some() {
            flags |= EVENT_TIME;
        }
        if self.destination.is_some() {
            flags |= DESTINATION;
        }
        if self.properties.is_some() {
            flags |= PROPERTIES;
        }
        out.clear();
        out.reserve(self.encoded_len());
        out.push(1); // version
        out.push(0);
        out.push_le(&flags.to_le_bytes());
        out.push_le(&self.event_time.unwrap_or(0).to_le_bytes());
        put_field(out, &self.value);
        put_field(out, self.key.as_deref().unwrap_or(&[]));
        put_field(out, self.destination.as_deref().unwrap_or(&[]));
        out.push_le(&self.property_count.to_le_bytes());
        if let Some(p) = &self.properties {
            out.extend_from_slice(p);
        }
    }
}
