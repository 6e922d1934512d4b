//! The search index's two records: an edited message's terms, and a segment's packed list of
//! the messages that hold one term (or are by one author).

use super::super::StoreError;
use super::super::codec::{Reader, corrupt, put_bytes, put_varint};
use crate::search::Position;

/// A message edited since a segment took it: its author, time and distinct terms now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTerms {
    pub author: u64,
    pub ts: u64,
    pub terms: Vec<String>,
}

impl MessageTerms {
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(16 + self.terms.iter().map(|t| t.len() + 1).sum::<usize>());
        put_varint(&mut out, self.author);
        put_varint(&mut out, self.ts);
        put_varint(&mut out, self.terms.len() as u64);
        for term in &self.terms {
            put_bytes(&mut out, term.as_bytes());
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<MessageTerms, StoreError> {
        let mut reader = Reader::new(bytes);
        let author = reader.varint()?;
        let ts = reader.varint()?;
        let count = reader.varint()?;
        let mut terms = Vec::with_capacity(count.min(1024) as usize);
        for _ in 0..count {
            terms.push(reader.text()?);
        }
        Ok(MessageTerms { author, ts, terms })
    }
}

/// A posting list, newest first: (time, room, message) each, the times as falling differences.
pub fn encode_list(list: &[Position]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + list.len() * 6);
    put_varint(&mut out, list.len() as u64);
    let mut previous = u64::MAX;
    for at in list {
        put_varint(&mut out, previous.saturating_sub(at.ts));
        previous = at.ts;
        put_varint(&mut out, at.room_id);
        put_varint(&mut out, at.id);
    }
    out
}

pub fn decode_list(bytes: &[u8]) -> Result<Vec<Position>, StoreError> {
    let mut reader = Reader::new(bytes);
    let count = reader.varint()?;
    let mut list = Vec::with_capacity(count.min(1 << 20) as usize);
    let mut previous = u64::MAX;
    for _ in 0..count {
        let fall = reader.varint()?;
        let ts = previous
            .checked_sub(fall)
            .ok_or_else(|| corrupt("a posting list's times rise".into()))?;
        previous = ts;
        let room_id = reader.varint()?;
        let id = reader.varint()?;
        list.push(Position { ts, room_id, id });
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back() {
        let row = MessageTerms {
            author: 7,
            ts: 1_700_000_000_123,
            terms: vec!["budget".into(), "東京".into()],
        };
        assert_eq!(MessageTerms::decode(&row.encode()).unwrap(), row);
        let list = vec![
            Position {
                ts: 50,
                room_id: 2,
                id: 9,
            },
            Position {
                ts: 50,
                room_id: 1,
                id: 4,
            },
            Position {
                ts: 3,
                room_id: 1,
                id: 1,
            },
        ];
        assert_eq!(decode_list(&encode_list(&list)).unwrap(), list);
        assert_eq!(decode_list(&encode_list(&[])).unwrap(), []);
        assert!(decode_list(&[3, 1]).is_err());
    }
}
