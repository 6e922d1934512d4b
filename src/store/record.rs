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
//!
//! | tag | field | value |
//! | --- | --- | --- |
//! | 1 | client id | UTF-8 |
//! | 2 | sequence number of the latest change | varint |
//! | 3 | edited at (Unix ms) | varint |
//! | 4 | deleted (a tombstone: the text is empty) | nothing |
//! | 5 | the id of the message this one replies to | varint |
//! | 6 | the user ids mentioned by `@name` | varint count, varints |
//! | 7 | `@here` (1) or `@room` (2) | varint |
//! | 8 | reactions | varint count, then per emoji: its UTF-8 bytes, varint count, user ids |
//! | 9 | the user ids `@here` called (the members online when it was sent) | varint count, varints |
//! | 10 | attached files | varint count, then per file: id, name, size, type, width, height (0: not a picture), preview (0/1) |

use super::StoreError;
use super::codec::{Reader, corrupt, put_bytes, put_ids, put_number, put_varint, utf8};

/// The record layout this build writes.
const VERSION: u8 = 1;

/// Tags of the optional fields.
mod tag {
    /// The sender's idempotency key (UTF-8).
    pub const CLIENT_ID: u64 = 1;
    /// Sequence number of the message's latest change, when it changed after it was created.
    pub const SEQ: u64 = 2;
    /// When the text was last edited (Unix ms).
    pub const EDITED: u64 = 3;
    /// The message was deleted; its text is gone.
    pub const DELETED: u64 = 4;
    /// The id of the message this one replies to.
    pub const REPLY_TO: u64 = 5;
    /// The user ids its `@name`s mention.
    pub const MENTIONS: u64 = 6;
    /// `@here` or `@room`.
    pub const EVERYONE: u64 = 7;
    /// Each emoji and who reacted with it.
    pub const REACTIONS: u64 = 8;
    /// The user ids `@here` called.
    pub const HERE: u64 = 9;
    /// The files attached to it.
    pub const FILES: u64 = 10;
}

/// Whom a message calls beside the people it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Everyone {
    /// `@here`: the members online when it was sent.
    Here,
    /// `@room`: every member.
    Room,
}

impl Everyone {
    fn code(self) -> u64 {
        match self {
            Everyone::Here => 1,
            Everyone::Room => 2,
        }
    }

    fn from_code(code: u64) -> Option<Everyone> {
        match code {
            1 => Some(Everyone::Here),
            2 => Some(Everyone::Room),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Everyone::Here => "here",
            Everyone::Room => "room",
        }
    }
}

/// One emoji on a message and who reacted with it, in the order they did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    pub emoji: String,
    pub users: Vec<u64>,
}

/// A file attached to a message, as the message shows it. What it says never changes once
/// the message is sent, so it is kept in the message record itself: showing a message needs
/// no other read. Where the bytes are, and whether they are still kept, is the `uploads`
/// table's business.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileRef {
    /// The upload's id.
    pub id: u64,
    /// The name it was uploaded with, made safe to show and to save.
    pub name: String,
    pub size: u64,
    /// The type it is served with.
    pub mime: String,
    /// A picture's size in pixels, when the server could read it.
    pub pixels: Option<(u32, u32)>,
    /// Whether the server made a preview of it.
    pub preview: bool,
}

impl FileRef {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, self.id);
        put_bytes(out, self.name.as_bytes());
        put_varint(out, self.size);
        put_bytes(out, self.mime.as_bytes());
        let (width, height) = self.pixels.unwrap_or((0, 0));
        put_varint(out, u64::from(width));
        put_varint(out, u64::from(height));
        put_varint(out, u64::from(self.preview));
    }

    fn decode(field: &mut Reader<'_>) -> Result<FileRef, StoreError> {
        let id = field.varint()?;
        let name = utf8(field.bytes()?)?;
        let size = field.varint()?;
        let mime = utf8(field.bytes()?)?;
        let side = |value: u64| u32::try_from(value).map_err(|_| corrupt("a file's size".into()));
        let (width, height) = (side(field.varint()?)?, side(field.varint()?)?);
        let preview = match field.varint()? {
            0 => false,
            1 => true,
            _ => return Err(corrupt("a file's preview flag".into())),
        };
        Ok(FileRef {
            id,
            name,
            size,
            mime,
            pixels: (width > 0 && height > 0).then_some((width, height)),
            preview,
        })
    }
}

/// A message as kept in the `history` table. Its room and id are the table's key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageRecord {
    /// Unix milliseconds; never decreases within a room.
    pub ts: u64,
    pub user_id: u64,
    pub text: String,
    pub client_id: Option<String>,
    /// The room sequence number of this message's latest change. A message that never changed
    /// has the sequence number it was created with, which is its id, and stores none.
    pub changed_seq: Option<u64>,
    /// When the text was last edited.
    pub edited: Option<u64>,
    /// A tombstone: the text, mentions and reactions are gone, the id and replies stay.
    pub deleted: bool,
    pub reply_to: Option<u64>,
    /// Users named by `@name`, each once, in the order named.
    pub mentions: Vec<u64>,
    pub everyone: Option<Everyone>,
    /// Whom `@here` called: the members online when it was sent. Kept so the mention index
    /// can be rebuilt from the record alone (the journal replays records).
    pub here: Vec<u64>,
    /// In the order each emoji was first used.
    pub reactions: Vec<Reaction>,
    /// Attached files, in the order they were attached; a tombstone has none.
    pub files: Vec<FileRef>,
}

impl MessageRecord {
    /// A new message with nothing but its author, text and client id (its time is set when it
    /// is stored).
    pub fn post(user_id: u64, text: &str, client_id: Option<&str>) -> MessageRecord {
        MessageRecord {
            user_id,
            text: text.to_owned(),
            client_id: client_id.map(str::to_owned),
            ..MessageRecord::default()
        }
    }

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
            put_number(&mut out, tag::SEQ, seq);
        }
        if let Some(at) = self.edited {
            put_number(&mut out, tag::EDITED, at);
        }
        if self.deleted {
            put_varint(&mut out, tag::DELETED);
            put_bytes(&mut out, &[]);
        }
        if let Some(id) = self.reply_to {
            put_number(&mut out, tag::REPLY_TO, id);
        }
        put_ids(&mut out, tag::MENTIONS, &self.mentions);
        put_ids(&mut out, tag::HERE, &self.here);
        if let Some(everyone) = self.everyone {
            put_number(&mut out, tag::EVERYONE, everyone.code());
        }
        if !self.reactions.is_empty() {
            let mut value = Vec::new();
            put_varint(&mut value, self.reactions.len() as u64);
            for reaction in &self.reactions {
                put_bytes(&mut value, reaction.emoji.as_bytes());
                put_varint(&mut value, reaction.users.len() as u64);
                for id in &reaction.users {
                    put_varint(&mut value, *id);
                }
            }
            put_varint(&mut out, tag::REACTIONS);
            put_bytes(&mut out, &value);
        }
        if !self.files.is_empty() {
            let mut value = Vec::new();
            put_varint(&mut value, self.files.len() as u64);
            for file in &self.files {
                file.encode(&mut value);
            }
            put_varint(&mut out, tag::FILES);
            put_bytes(&mut out, &value);
        }
        out
    }

    /// Reads a record; anything malformed is [`StoreError::Corrupt`], never a panic.
    pub fn decode(bytes: &[u8]) -> Result<MessageRecord, StoreError> {
        let mut reader = Reader::new(bytes);
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
            ..MessageRecord::default()
        };
        let mut seen = 0u64;
        while !reader.done() {
            let tag = reader.varint()?;
            let value = reader.bytes()?;
            if tag >= 64 || seen & (1 << tag) != 0 {
                return Err(corrupt(format!("unexpected message field {tag}")));
            }
            seen |= 1 << tag;
            let mut field = Reader::new(value);
            match tag {
                tag::CLIENT_ID => record.client_id = Some(utf8(value)?),
                tag::SEQ => record.changed_seq = Some(field.varint()?),
                tag::EDITED => record.edited = Some(field.varint()?),
                tag::DELETED => record.deleted = true,
                tag::REPLY_TO => record.reply_to = Some(field.varint()?),
                tag::MENTIONS => record.mentions = field.ids()?,
                tag::HERE => record.here = field.ids()?,
                tag::EVERYONE => {
                    record.everyone = Some(
                        Everyone::from_code(field.varint()?)
                            .ok_or_else(|| corrupt("unknown @everyone kind".into()))?,
                    );
                }
                tag::REACTIONS => {
                    let count = field.varint()?;
                    for _ in 0..count {
                        let emoji = utf8(field.bytes()?)?;
                        let users = field.varint()?;
                        let mut reaction = Reaction {
                            emoji,
                            users: Vec::new(),
                        };
                        for _ in 0..users {
                            reaction.users.push(field.varint()?);
                        }
                        record.reactions.push(reaction);
                    }
                }
                tag::FILES => {
                    let count = field.varint()?;
                    for _ in 0..count {
                        record.files.push(FileRef::decode(&mut field)?);
                    }
                }
                other => return Err(corrupt(format!("unexpected message field {other}"))),
            }
            if tag != tag::CLIENT_ID && !field.done() {
                return Err(corrupt(format!("trailing bytes in field {tag}")));
            }
        }
        Ok(record)
    }

    /// The sequence number of the latest change of the message with this id.
    pub fn seq(&self, id: u64) -> u64 {
        self.changed_seq.unwrap_or(id)
    }
}

/// A record's author and whether it is a tombstone, without decoding its text: what counting
/// unread messages needs of each.
pub(super) fn peek(bytes: &[u8]) -> Result<(u64, bool), StoreError> {
    let mut reader = Reader::new(bytes);
    if reader.byte()? != VERSION {
        return Err(corrupt("unknown message record version".into()));
    }
    let _ts = reader.varint()?;
    let user_id = reader.varint()?;
    let _text = reader.bytes()?;
    while !reader.done() {
        let tag = reader.varint()?;
        reader.bytes()?;
        if tag == tag::DELETED {
            return Ok((user_id, true));
        }
    }
    Ok((user_id, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> MessageRecord {
        MessageRecord {
            ts: 1_796_122_400_000,
            user_id: 300,
            text: "héllo ☕\nworld".into(),
            ..MessageRecord::default()
        }
    }

    #[test]
    fn records_round_trip_with_and_without_optional_fields() {
        let plain = record();
        assert_eq!(MessageRecord::decode(&plain.encode()).unwrap(), plain);
        let full = MessageRecord {
            client_id: Some("c-1".into()),
            changed_seq: Some(u64::MAX),
            edited: Some(1_796_122_500_000),
            deleted: true,
            reply_to: Some(3),
            mentions: vec![1, 300, u64::MAX],
            everyone: Some(Everyone::Room),
            here: vec![5, 6],
            reactions: vec![
                Reaction {
                    emoji: "👍🏽".into(),
                    users: vec![1, 2],
                },
                Reaction {
                    emoji: "🎉".into(),
                    users: vec![300],
                },
            ],
            files: vec![
                FileRef {
                    id: u64::MAX,
                    name: "plan.pdf".into(),
                    size: 25 << 20,
                    mime: "application/pdf".into(),
                    pixels: None,
                    preview: false,
                },
                FileRef {
                    id: 7,
                    name: "bäume.png".into(),
                    size: 1,
                    mime: "image/png".into(),
                    pixels: Some((4096, 1)),
                    preview: true,
                },
            ],
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
