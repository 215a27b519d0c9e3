//! [`Record`]: a zero-copy reader of the input record envelope (version 1).

use crate::Error;

/// The input record (with `record_function!`): borrowed from the host's input buffer, valid
/// during this `pulsar_process` only (copy what you keep).
///
/// Every length was checked by [`Record::parse`], so the accessors cannot fail.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    flags: u16,
    event_time: i64,
    publish_time: i64,
    redelivery_count: u32,
    value: &'a [u8],
    key: &'a [u8],
    topic: &'a [u8],
    message_id: &'a [u8],
    property_count: u32,
    properties: &'a [u8],
}

/// Input flag bit0: the record has a key.
const HAS_KEY: u16 = 1;
/// Input flag bit1: it has an event time.
const HAS_EVENT_TIME: u16 = 2;

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.bytes.len() - self.at {
            return Err(Error::BAD_ARGUMENT);
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, Error> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn field(&mut self) -> Result<&'a [u8], Error> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

fn le_i64(b: &[u8]) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    i64::from_le_bytes(a)
}

impl<'a> Record<'a> {
    /// Reads an envelope; `Err(Error::BAD_ARGUMENT)` when it is not version 1 or a length
    /// points past the end. Unknown flag bits and bytes after the properties are ignored.
    pub fn parse(input: &'a [u8]) -> Result<Record<'a>, Error> {
        if input.len() < 24 || input[0] != 1 {
            return Err(Error::BAD_ARGUMENT);
        }
        let flags = u16::from_le_bytes([input[2], input[3]]);
        let event_time = le_i64(&input[4..]);
        let publish_time = le_i64(&input[12..]);
        let redelivery_count = u32::from_le_bytes([input[20], input[21], input[22], input[23]]);
        let mut c = Cursor { bytes: input, at: 24 };
        let value = c.field()?;
        let key = c.field()?;
        let topic = c.field()?;
        let message_id = c.field()?;
        let property_count = c.u32()?;
        let start = c.at;
        for _ in 0..property_count {
            c.field()?;
            c.field()?;
        }
        Ok(Record {
            flags,
            event_time,
            publish_time,
            redelivery_count,
            value,
            key,
            topic,
            message_id,
            property_count,
            properties: &input[start..c.at],
        })
    }

    /// The raw flags (bit0 key, bit1 event time; other bits may appear later).
    pub fn flags(&self) -> u16 {
        self.flags
    }

    /// The message value.
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// The key, when the record has one (it may be empty).
    pub fn key(&self) -> Option<&'a [u8]> {
        if self.flags & HAS_KEY != 0 {
            Some(self.key)
        } else {
            None
        }
    }

    /// The key as a `str`; `None` when there is none or it is not UTF-8.
    pub fn key_str(&self) -> Option<&'a str> {
        self.key().and_then(|k| core::str::from_utf8(k).ok())
    }

    /// The event time (ms since the epoch), when set.
    pub fn event_time(&self) -> Option<i64> {
        if self.flags & HAS_EVENT_TIME != 0 {
            Some(self.event_time)
        } else {
            None
        }
    }

    /// The publish time (ms since the epoch), `None` when unknown (0).
    pub fn publish_time(&self) -> Option<i64> {
        if self.publish_time != 0 {
            Some(self.publish_time)
        } else {
            None
        }
    }

    /// How many times the message was redelivered.
    pub fn redelivery_count(&self) -> u32 {
        self.redelivery_count
    }

    /// The topic the record came from (UTF-8).
    pub fn topic(&self) -> &'a [u8] {
        self.topic
    }

    /// The topic as a `str` (`""` if it were not UTF-8).
    pub fn topic_str(&self) -> &'a str {
        core::str::from_utf8(self.topic).unwrap_or("")
    }

    /// The message id (Pulsar's `MessageId.toByteArray()`), `None` when unknown.
    pub fn message_id(&self) -> Option<&'a [u8]> {
        if self.message_id.is_empty() {
            None
        } else {
            Some(self.message_id)
        }
    }

    /// The properties, in the order of the envelope.
    pub fn properties(&self) -> Properties<'a> {
        Properties { rest: self.properties, remaining: self.property_count }
    }

    /// The number of properties.
    pub fn property_count(&self) -> u32 {
        self.property_count
    }

    /// The value of the first property named `name`.
    pub fn property(&self, name: impl AsRef<[u8]>) -> Option<&'a [u8]> {
        let name = name.as_ref();
        self.properties().find(|(k, _)| *k == name).map(|(_, v)| v)
    }
}

/// An iterator over `(name, value)` property pairs (bytes, UTF-8 in Pulsar).
#[derive(Clone, Debug)]
pub struct Properties<'a> {
    rest: &'a [u8],
    remaining: u32,
}

impl<'a> Properties<'a> {
    fn field(&mut self) -> &'a [u8] {
        // Lengths were validated by Record::parse.
        let n = u32::from_le_bytes([self.rest[0], self.rest[1], self.rest[2], self.rest[3]]) as usize;
        let (f, rest) = self.rest[4..].split_at(n);
        self.rest = rest;
        f
    }
}

impl<'a> Iterator for Properties<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let k = self.field();
        let v = self.field();
        Some((k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining as usize, Some(self.remaining as usize))
    }
}

impl ExactSizeIterator for Properties<'_> {}
