//! The byte codec of stored records: LEB128 varints, length-prefixed bytes, and optional
//! fields as tag–length–value entries, read back by a [`Reader`] that turns malformed input
//! into [`StoreError::Corrupt`], never a panic. Apart from the message record because the
//! message journal frames its payloads with the same codec.

use super::StoreError;

pub(super) fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(format!("a stored record: {what}"))
}

pub(super) fn utf8(bytes: &[u8]) -> Result<String, StoreError> {
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

/// An optional field holding a list of ids, written only when there are any.
pub(super) fn put_ids(out: &mut Vec<u8>, tag: u64, ids: &[u64]) {
    if ids.is_empty() {
        return;
    }
    let mut value = Vec::with_capacity(2 + 3 * ids.len());
    put_varint(&mut value, ids.len() as u64);
    for id in ids {
        put_varint(&mut value, *id);
    }
    put_varint(out, tag);
    put_bytes(out, &value);
}

/// An optional field holding one number.
pub(super) fn put_number(out: &mut Vec<u8>, tag: u64, value: u64) {
    let mut bytes = Vec::with_capacity(10);
    put_varint(&mut bytes, value);
    put_varint(out, tag);
    put_bytes(out, &bytes);
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

    /// A count, then that many varints.
    pub(super) fn ids(&mut self) -> Result<Vec<u64>, StoreError> {
        let count = self.varint()?;
        let mut ids = Vec::new();
        for _ in 0..count {
            ids.push(self.varint()?);
        }
        Ok(ids)
    }

    pub(super) fn text(&mut self) -> Result<String, StoreError> {
        utf8(self.bytes()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_fields_read_back_as_written() {
        let numbers = [
            0,
            1,
            0x7f,
            0x80,
            0x3fff,
            0x4000,
            u64::from(u32::MAX),
            u64::MAX,
        ];
        let mut out = Vec::new();
        for n in numbers {
            put_varint(&mut out, n);
        }
        put_bytes(&mut out, "héllo".as_bytes());
        put_ids(&mut out, 6, &[1, 300]);
        // An empty list is not written at all.
        put_ids(&mut out, 7, &[]);
        put_number(&mut out, 2, 5);

        let mut reader = Reader::new(&out);
        for n in numbers {
            assert_eq!(reader.varint().unwrap(), n);
        }
        assert_eq!(reader.text().unwrap(), "héllo");
        assert_eq!(reader.varint().unwrap(), 6);
        assert_eq!(
            Reader::new(reader.bytes().unwrap()).ids().unwrap(),
            [1, 300]
        );
        assert_eq!(reader.varint().unwrap(), 2);
        assert_eq!(Reader::new(reader.bytes().unwrap()).varint().unwrap(), 5);
        assert!(reader.done());
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        assert!(Reader::new(&[0xff; 10]).varint().is_err(), "past 64 bits");
        assert!(
            Reader::new(&[0x80]).varint().is_err(),
            "ends inside a number"
        );
        assert!(Reader::new(&[]).byte().is_err(), "ends before a byte");
        assert!(
            Reader::new(&[3, b'a']).bytes().is_err(),
            "runs past the end"
        );
        assert!(Reader::new(&[2, 0xff, 0xfe]).text().is_err(), "not UTF-8");
    }
}
