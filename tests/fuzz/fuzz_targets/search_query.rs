//! Search queries (`confab::search::Query::parse`) and the `before` cursor on any text: never a
//! panic; a refusal says why in a sentence; an accepted query holds at most 8 words, each a
//! folded term no longer than a term may be; and a message written with exactly the words
//! searched for is found by them: each word is one of its terms, and the last word starts one.
#![no_main]

use confab::search::words::{MAX_TERM_BYTES, terms};
use confab::search::{Position, Query};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A query arrives in a URL's query string, decoded: valid UTF-8.
    let Ok(typed) = std::str::from_utf8(data) else {
        return;
    };
    match Query::parse(typed) {
        Ok(query) => {
            let count = query.words.len() + usize::from(query.prefix.is_some());
            assert!(count <= confab::search::query::MAX_WORDS);
            for word in query.words.iter().chain(&query.prefix) {
                assert!(!word.is_empty() && word.len() <= MAX_TERM_BYTES, "{word:?}");
            }
            let lower = typed.to_lowercase();
            if !lower.contains("from:") && !lower.contains("in:") {
                let written = terms(typed);
                for word in &query.words {
                    assert!(
                        written.binary_search(word).is_ok(),
                        "{word:?} not in {written:?}"
                    );
                }
                if let Some(prefix) = &query.prefix {
                    assert!(
                        written.iter().any(|term| term.starts_with(prefix.as_str())),
                        "{prefix:?} starts none of {written:?}"
                    );
                }
            }
        }
        Err(refusal) => assert!(refusal.to_string().ends_with('.')),
    }
    if let Some(at) = Position::parse(typed) {
        assert_eq!(Position::parse(&at.to_string()), Some(at));
    }
});
