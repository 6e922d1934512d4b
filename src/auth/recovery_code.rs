//! Recovery codes: 10 per account, each 16 characters of Crockford's base32 (80 random bits),
//! shown as `abcd-efgh-jkmn-pqrs`. Only a hash is kept: SHA-256 over the account's id and the
//! code. The codes are random, not chosen by people, so a slow hash would add nothing: there
//! is no list of likely codes to try first, and trying all 2^80 is out of reach.

use sha2::{Digest, Sha256};

use crate::store::CodeHash;

/// Codes an account gets at a time.
pub const CODES_PER_ACCOUNT: usize = 10;
/// Characters of a code, without its dashes.
const CODE_CHARS: usize = 16;
/// Crockford's base32 alphabet in lower case: no `i`, `l`, `o` or `u` to misread.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A fresh set of codes, formatted for people.
pub fn new_codes() -> Vec<String> {
    (0..CODES_PER_ACCOUNT).map(|_| new_code()).collect()
}

fn new_code() -> String {
    let mut bytes = [0u8; CODE_CHARS];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    let mut code = String::with_capacity(CODE_CHARS + 3);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        // 256 is a multiple of 32: taking the low five bits keeps every character equally likely.
        code.push(ALPHABET[usize::from(byte & 31)] as char);
    }
    code
}

/// A code as typed, in the one form that is hashed: dashes and spaces dropped, lower case, and
/// the letters people confuse with digits read as those digits. `None` when it cannot be a code.
pub fn normalize(typed: &str) -> Option<String> {
    if typed.len() > 64 {
        return None;
    }
    let mut code = String::with_capacity(CODE_CHARS);
    for c in typed.chars() {
        let c = match c.to_ascii_lowercase() {
            '-' | ' ' | '\t' => continue,
            'o' => '0',
            'i' | 'l' => '1',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        code.push(c);
    }
    (code.len() == CODE_CHARS).then_some(code)
}

/// The stored hash of a normalized code for one account: the same code of another account
/// hashes differently.
pub fn code_hash(user_id: u64, normalized: &str) -> CodeHash {
    let mut hasher = Sha256::new();
    hasher.update(b"confab recovery code\0");
    hasher.update(user_id.to_be_bytes());
    hasher.update(normalized.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_ten_distinct_groups_of_four_from_the_alphabet() {
        let codes = new_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<HashSet<_>>().len(), 10);
        for code in &codes {
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), 4, "{code}");
            assert!(groups.iter().all(|g| g.len() == 4), "{code}");
            assert_eq!(normalize(code).unwrap(), code.replace('-', ""));
        }
    }

    #[test]
    fn codes_carry_eighty_bits_spread_over_the_alphabet() {
        let mut seen = [0usize; 32];
        for _ in 0..2_000 {
            for c in new_code().bytes().filter(|&c| c != b'-') {
                seen[ALPHABET.iter().position(|&a| a == c).unwrap()] += 1;
            }
        }
        // 32,000 characters: each of the 32 should appear about 1,000 times.
        assert!(seen.iter().all(|&n| (800..1_200).contains(&n)), "{seen:?}");
    }

    #[test]
    fn typed_codes_forgive_case_spaces_and_look_alike_letters() {
        let code = "abcd-efgh-jkmn-pq01";
        let want = normalize(code).unwrap();
        assert_eq!(normalize("ABCD EFGH JKMN PQ01").unwrap(), want);
        assert_eq!(normalize("abcdefghjkmnpqOl").unwrap(), want);
        assert_eq!(normalize(" abcd-efgh-jkmn-pq0I\t").unwrap(), want);
        assert_eq!(normalize("abcd-efgh-jkmn-pq0"), None, "too short");
        assert_eq!(normalize("abcd-efgh-jkmn-pq011"), None, "too long");
        assert_eq!(
            normalize("abcd-efgh-jkmn-pq0u"),
            None,
            "u is not in the alphabet"
        );
        assert_eq!(normalize("abcd-efgh-jkmn-pq0é"), None);
        assert_eq!(normalize(&"-".repeat(100)), None);
    }

    #[test]
    fn a_code_hashes_differently_for_another_account() {
        let code = normalize("abcd-efgh-jkmn-pq01").unwrap();
        assert_eq!(code_hash(1, &code), code_hash(1, &code));
        assert_ne!(code_hash(1, &code), code_hash(2, &code));
    }
}
