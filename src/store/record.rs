//! The stored form of a message: a compact, versioned byte record (see `DATA_MODEL.md`).
//!
//! Messages are the one record written on every send and read on every join, so they are not
//! JSON: a version byte, the fields every message has (time, author, text), then optional
//! fields as tag–length–value entries. A field that most messages lack (a client id, a later
//! change's sequence number) costs nothing when absent, and a new field is a new tag: records
//! written before it existed still decode.
//!
//! ```text
//! 1            record version
//! varint       ts (Unix ms)
//! varint       author's user id
//! varint, …    text length in bytes, then the UTF-8 text
//! (varint tag, varint length, bytes)*   optional fields, in any order, each at most once
//! ```

use super::StoreError;

/// The record layout this build writes.
const VERSION: u8 = 1;

/// Tags of the optional fields.
mod tag {
    /// The sender's idempotency key (UTF-8).
    pub const CLIENT_ID: u64 = 1;
    /// Sequence number of the message's latest change, when it changed after it was created.
    pub const SEQ: u64 = 2;
}

/// A message as kept in the `history` table. Its room and id are the table's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Unix milliseconds; never decreases within a room.
    pub ts: u64,
    pub user_id: u64,
    pub text: String,
    pub client_id: Option<String>,
    /// The room sequence number of this message's latest change. A message that never changed
    /// has the sequence number it was created with, which is its id, and stores none.
    pub changed_seq: Option<u64>,
}

impl MessageRecord {
    /// The record's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.text.len());
        out.push(VERSION);
        put_varint(&mut out, self.ts);
        put_varint(&mut out, self.user_id);
        put_bytes(&mut out, self.text.as_bytes());
        if let Some(client_id) = &self.client_id {
            put_varint(&mut out, tag::CLIENT_ID);
            put_bytes(&mut out, client_id.as_bytes());
        }
        if let Some(seq) = self.changed_seq {
            let mut value = Vec::with_capacity(10);
            put_varint(&mut value, seq);
            put_varint(&mut out, tag::SEQ);
            put_bytes(&mut out, &value);
        }
        out
    }

    /// Reads a record; anything malformed is [`StoreError::Corrupt`], never a panic.
    pub fn decode(bytes: &[u8]) -> Result<MessageRecord, StoreError> {
        let mut reader = Reader { bytes, at: 0 };
        match reader.byte()? {
            VERSION => {}
            other => return Err(corrupt(format!("unknown message record version {other}"))),
        }
        let ts = reader.varint()?;
        let user_id = reader.varint()?;
        let text = reader.text()?;
        let mut record = MessageRecord {
            ts,
            user_id,
            text,
            client_id: None,
            changed_seq: None,
        };
        while !reader.done() {
            let tag = reader.varint()?;
            let value = reader.bytes()?;
            let mut field = Reader {
                bytes: value,
                at: 0,
            };
            match tag {
                tag::CLIENT_ID if record.client_id.is_none() => {
                    record.client_id = Some(utf8(value)?);
                }
                tag::SEQ if record.changed_seq.is_none() => {
                    record.changed_seq = Some(field.varint()?);
                    if !field.done() {
                        return Err(corrupt("trailing bytes in a sequence field".into()));
                    }
                }
                other => return Err(corrupt(format!("unexpected message field {other}"))),
            }
        }
        Ok(record)
    }

    /// The sequence number of the latest change of the message with this id.
    pub fn seq(&self, id: u64) -> u64 {
        self.changed_seq.unwrap_or(id)
    }
}

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(format!("message record: {what}"))
}

fn utf8(bytes: &[u8]) -> Result<String, StoreError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| corrupt("text is not UTF-8".into()))
}

/// LEB128: seven bits a byte, low bits first.
pub(super) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub(super) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Reads varints and length-prefixed fields; malformed input is an error, never a panic.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    pub(super) fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    pub(super) fn byte(&mut self) -> Result<u8, StoreError> {
        let byte = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| corrupt("record ends early".into()))?;
        self.at += 1;
        Ok(byte)
    }

    pub(super) fn varint(&mut self) -> Result<u64, StoreError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(corrupt("number too large".into()));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(corrupt("number too long".into()))
    }

    pub(super) fn bytes(&mut self) -> Result<&'a [u8], StoreError> {
        let len = usize::try_from(self.varint()?).map_err(|_| corrupt("length".into()))?;
        let end = self
            .at
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| corrupt("field runs past the record".into()))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn text(&mut self) -> Result<String, StoreError> {
        utf8(self.bytes()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> MessageRecord {
        MessageRecord {
            ts: 1_796_122_400_000,
            user_id: 300,
            text: "héllo ☕\nworld".into(),
            client_id: None,
            changed_seq: None,
        }
    }

    #[test]
    fn records_round_trip_with_and_without_optional_fields() {
        let plain = record();
        assert_eq!(MessageRecord::decode(&plain.encode()).unwrap(), plain);
        let full = MessageRecord {
            client_id: Some("c-1".into()),
            changed_seq: Some(u64::MAX),
            ..record()
        };
        assert_eq!(MessageRecord::decode(&full.encode()).unwrap(), full);
        assert_eq!(full.seq(7), u64::MAX);
        assert_eq!(plain.seq(7), 7);
    }

    #[test]
    fn a_plain_message_costs_a_few_bytes_beyond_its_text() {
        let plain = record();
        assert!(plain.encode().len() <= plain.text.len() + 12);
    }

    #[test]
    fn malformed_records_are_corrupt_not_a_panic() {
        let good = MessageRecord {
            client_id: Some("abc".into()),
            ..record()
        }
        .encode();
        let without_client_id = record().encode();
        for cut in 0..good.len() {
            // A cut between the fixed part and the optional field is a whole (shorter) record;
            // every other cut is refused.
            let decoded = MessageRecord::decode(&good[..cut]);
            if cut == without_client_id.len() {
                assert_eq!(decoded.unwrap(), record());
            } else {
                assert!(decoded.is_err(), "a record cut at {cut} decoded");
            }
        }
        assert!(MessageRecord::decode(&[]).is_err());
        assert!(
            MessageRecord::decode(&[2, 0, 0, 0]).is_err(),
            "unknown version"
        );
        assert!(
            MessageRecord::decode(&[1, 0xff]).is_err(),
            "truncated number"
        );
        assert!(
            MessageRecord::decode(&[1, 0, 0, 2, 0xff, 0xfe]).is_err(),
            "not UTF-8"
        );
        assert!(
            MessageRecord::decode(&[1, 0, 0, 0, 9, 0]).is_err(),
            "unknown field"
        );
        let mut twice = record().encode();
        twice.extend_from_slice(&[1, 1, b'a', 1, 1, b'b']);
        assert!(
            MessageRecord::decode(&twice).is_err(),
            "a field given twice"
        );
        let mut huge = vec![1];
        huge.extend_from_slice(&[0xff; 10]);
        assert!(
            MessageRecord::decode(&huge).is_err(),
            "a number past 64 bits"
        );
        let mut long_len = vec![1, 0, 0];
        long_len.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(
            MessageRecord::decode(&long_len).is_err(),
            "a length past the end"
        );
    }
}
