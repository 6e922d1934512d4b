//! Words as search sees them. A message's text and a query are cut and folded by the same
//! rules, so whatever someone types finds what was written:
//!
//! - Words are cut at Unicode word boundaries (UAX #29): spaces, punctuation and markup
//!   separate them, while `example.com`, `don't` and `3.14` stay one word.
//! - Each word is folded: compatibility decomposition (NFKD), combining marks dropped, composed
//!   again (NFC), lower case. `Café`, `CAFE` and `cafe` are one term, and `ﬁle` is `file`.
//! - Han ideographs and hiragana, written without spaces, become overlapping pairs of
//!   characters (`東京都` → `東京`, `京都`); a lone one stays itself.
//! - No stemming: `meeting` does not find `meet`. A prefix does, and stemming would break
//!   prefixes.
//! - A term is at most [`MAX_TERM_BYTES`] long: a longer word (a hash, a long address) is cut
//!   there, the same in the text and in the query.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_segmentation::UnicodeSegmentation;

/// The longest term kept, in bytes.
pub const MAX_TERM_BYTES: usize = 48;

/// Calls `emit` with each term of `text` in order, with the bytes of `text` it came from.
/// A term may come more than once.
pub fn each_term(text: &str, mut emit: impl FnMut(Range<usize>, String)) {
    // The last ideograph seen, where it starts, and whether it already ended a pair.
    let mut run: Option<(usize, char, bool)> = None;
    for (start, word) in text.unicode_word_indices() {
        match lone_ideograph(word) {
            Some(c) => match run {
                Some((at, previous, _)) if at + previous.len_utf8() == start => {
                    let mut pair = String::with_capacity(8);
                    pair.push(previous);
                    pair.push(c);
                    emit(at..start + c.len_utf8(), fold(&pair));
                    run = Some((start, c, true));
                }
                _ => {
                    end_run(&mut run, &mut emit);
                    run = Some((start, c, false));
                }
            },
            None => {
                end_run(&mut run, &mut emit);
                let term = fold(word);
                if !term.is_empty() {
                    emit(start..start + word.len(), term);
                }
            }
        }
    }
    end_run(&mut run, &mut emit);
}

/// Every distinct term of `text`, sorted: what the index keeps for a message.
pub fn terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    each_term(text, |_, term| terms.push(term));
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// A run of ideographs that ended with a lone one: it is a term by itself.
fn end_run(run: &mut Option<(usize, char, bool)>, emit: &mut impl FnMut(Range<usize>, String)) {
    if let Some((at, c, false)) = run.take() {
        emit(at..at + c.len_utf8(), fold(c.encode_utf8(&mut [0; 4])));
    }
}

/// The character, when a word is one character of a script written without spaces. Word
/// boundaries cut those scripts at every character.
fn lone_ideograph(word: &str) -> Option<char> {
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if is_ideograph(c) => Some(c),
        _ => None,
    }
}

fn is_ideograph(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{309f}' // hiragana
        | '\u{3400}'..='\u{4dbf}' // CJK extension A
        | '\u{4e00}'..='\u{9fff}' // CJK unified ideographs
        | '\u{f900}'..='\u{faff}' // CJK compatibility ideographs
        | '\u{20000}'..='\u{3134f}' // CJK extensions B to G
    )
}

/// One word folded into its term: NFKD, combining marks dropped, NFC, lower case, at most
/// [`MAX_TERM_BYTES`]. A space a word boundary left in front of a combining mark goes too,
/// so a term never holds one.
pub fn fold(word: &str) -> String {
    let mut term = String::with_capacity(word.len().min(MAX_TERM_BYTES));
    if word.is_ascii() {
        for b in word.bytes().take(MAX_TERM_BYTES) {
            term.push(char::from(b.to_ascii_lowercase()));
        }
        return term;
    }
    // Composed again once the marks are gone, so a Hangul syllable stays one character.
    let kept = |c: &char| !is_combining_mark(*c) && !c.is_whitespace() && !c.is_control();
    for c in word.nfkd().filter(kept).nfc() {
        for lower in c.to_lowercase() {
            if term.len() + lower.len_utf8() > MAX_TERM_BYTES {
                return term;
            }
            term.push(lower);
        }
    }
    term
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        each_term(text, |_, term| out.push(term));
        out
    }

    #[test]
    fn words_are_cut_at_boundaries_and_folded() {
        assert_eq!(
            all("Let's **ship** the Café-menu at example.com, v3.14!"),
            [
                "let's",
                "ship",
                "the",
                "cafe",
                "menu",
                "at",
                "example.com",
                "v3.14"
            ]
        );
        assert_eq!(all("ÉCOLE ﬁle Straße"), ["ecole", "file", "straße"]);
        assert_eq!(all("@alice see #general"), ["alice", "see", "general"]);
        assert!(all("  ... --- !!! ").is_empty());
        // A space takes a combining mark after it into its word (Unicode's WB4); the term
        // holds neither, so a query cut there matches the message.
        assert_eq!(all("ú\r\u{739} !@"), ["u"]);
        assert_eq!(all("ú \u{739} !@"), ["u"]);
    }

    #[test]
    fn ideographs_pair_up_and_a_lone_one_stays() {
        assert_eq!(
            all("東京都に行く"),
            ["東京", "京都", "都に", "に行", "行く"]
        );
        assert_eq!(all("東 and 京"), ["東", "and", "京"]);
        // Katakana is one word by the boundary rules, as are Hangul words.
        assert_eq!(all("カタカナ 한국어"), ["カタカナ", "한국어"]);
    }

    #[test]
    fn spans_point_at_the_words_in_the_text() {
        let text = "Ship it, CAFÉ!";
        let mut spans = Vec::new();
        each_term(text, |span, term| spans.push((&text[span], term)));
        assert_eq!(
            spans,
            [
                ("Ship", "ship".to_owned()),
                ("it", "it".to_owned()),
                ("CAFÉ", "cafe".to_owned())
            ]
        );
    }

    #[test]
    fn long_words_are_cut_on_a_character_boundary() {
        let long = "é".repeat(100);
        let term = fold(&long);
        assert!(term.len() <= MAX_TERM_BYTES);
        assert_eq!(term, "e".repeat(MAX_TERM_BYTES));
        let wide = "東".repeat(40);
        assert!(fold(&wide).len() <= MAX_TERM_BYTES);
        assert!(fold(&wide).chars().all(|c| c == '東'));
    }

    #[test]
    fn a_message_keeps_each_term_once() {
        assert_eq!(terms("the cat and THE hat"), ["and", "cat", "hat", "the"]);
    }
}
