//! What someone typed into the search box, read into a [`Query`]: words that must all be in a
//! message, the last of them matching as a prefix (so results come while a word is still being
//! typed), and two filters, `from:USERNAME` and `in:ROOM`.

use std::fmt;

use super::words::each_term;

/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 300;
/// The most words a query may hold (its prefix included).
pub const MAX_WORDS: usize = 8;

/// A search, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Terms every result holds, folded, each once.
    pub words: Vec<String>,
    /// The last word typed: every result holds a term that starts with it.
    pub prefix: Option<String>,
    /// `from:USERNAME`: only this person's messages.
    pub from: Option<String>,
    /// `in:ROOM`: only this room's messages.
    pub room: Option<String>,
}

/// Why a query cannot be searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryError {
    /// No word and no filter.
    Empty,
    TooLong,
    TooManyWords,
    /// `from:` or `in:` twice.
    Repeated(&'static str),
    /// `from:` or `in:` with nothing after it.
    NoValue(&'static str),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Empty => write!(f, "Type a word to search for."),
            QueryError::TooLong => {
                write!(f, "A search is at most {MAX_QUERY_CHARS} characters.")
            }
            QueryError::TooManyWords => write!(f, "A search has at most {MAX_WORDS} words."),
            QueryError::Repeated(filter) => write!(f, "Use {filter} once in a search."),
            QueryError::NoValue(filter) => {
                write!(f, "{filter} needs a name after it, like {filter}alice.")
            }
        }
    }
}

impl std::error::Error for QueryError {}

impl Query {
    /// Reads a query: `from:NAME` (or `from:@NAME`) and `in:NAME` (or `in:#NAME`, or
    /// `in:"TWO WORDS"`) anywhere, every other word searched for.
    pub fn parse(typed: &str) -> Result<Query, QueryError> {
        if typed.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut query = Query::default();
        let mut text = String::new();
        for (filter, value) in parts(typed) {
            match filter {
                Some(FROM) => set_once(&mut query.from, value.trim_start_matches('@'), FROM)?,
                Some(IN) => set_once(&mut query.room, value.trim_start_matches('#'), IN)?,
                _ => {
                    text.push_str(value);
                    text.push(' ');
                }
            }
        }
        let mut terms: Vec<String> = Vec::new();
        each_term(&text, |_, term| terms.push(term));
        if terms.len() > MAX_WORDS {
            return Err(QueryError::TooManyWords);
        }
        query.prefix = terms.pop();
        for term in terms {
            if !query.words.contains(&term) {
                query.words.push(term);
            }
        }
        if query.prefix.is_none() && query.from.is_none() && query.room.is_none() {
            return Err(QueryError::Empty);
        }
        Ok(query)
    }
}

impl Query {
    /// Whether a term is one this query looks for: a word, or a completion of its prefix.
    pub fn marks(&self, term: &str) -> bool {
        self.words.iter().any(|word| word == term)
            || self
                .prefix
                .as_deref()
                .is_some_and(|prefix| term.starts_with(prefix))
    }
}

const FROM: &str = "from:";
const IN: &str = "in:";

/// The parts of a query, each with the filter it sets (`from:` or `in:`, in any case) or
/// none (words to search for). A filter's value in double quotes may hold spaces:
/// `in:"Secret Plans"`.
fn parts(typed: &str) -> Vec<(Option<&'static str>, &str)> {
    let mut parts = Vec::new();
    let mut rest = typed.trim_start();
    while !rest.is_empty() {
        let filter = [FROM, IN].into_iter().find(|name| {
            rest.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
        });
        let after = &rest[filter.map_or(0, str::len)..];
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) if filter.is_some() => match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            },
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        parts.push((filter, value));
        rest = next.trim_start();
    }
    parts
}

fn set_once(slot: &mut Option<String>, value: &str, name: &'static str) -> Result<(), QueryError> {
    if value.is_empty() {
        return Err(QueryError::NoValue(name));
    }
    if slot.is_some() {
        return Err(QueryError::Repeated(name));
    }
    *slot = Some(value.to_owned());
    Ok(())
}

/// What `before` must look like, said to whoever sent something else.
pub const BEFORE_RULE: &str =
    "before is the last result's ts, room_id and id joined by dots, like 1733500000000.4.812.";

/// Where a page of results ends: results are ordered newest first by (time, room id, message
/// id), and the next page starts below the last result's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub ts: u64,
    pub room_id: u64,
    pub id: u64,
}

impl Position {
    /// Reads `before=`: the last result's `ts.room_id.id`, or a bare time in Unix
    /// milliseconds (results strictly older).
    pub fn parse(before: &str) -> Option<Position> {
        let mut parts = before.split('.');
        let ts = parts.next()?.parse().ok()?;
        match (parts.next(), parts.next(), parts.next()) {
            (None, None, None) => Some(Position {
                ts,
                room_id: 0,
                id: 0,
            }),
            (Some(room_id), Some(id), None) => Some(Position {
                ts,
                room_id: room_id.parse().ok()?,
                id: id.parse().ok()?,
            }),
            _ => None,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.ts, self.room_id, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn words_and_a_prefix() {
        let query = Query::parse("  Budget REVIEW budget q3 ").unwrap();
        assert_eq!(query.words, words(&["budget", "review"]));
        assert_eq!(query.prefix.as_deref(), Some("q3"));
        assert_eq!(query.from, None);
    }

    #[test]
    fn filters_anywhere() {
        let query = Query::parse("from:@Alice deploy IN:#Ops fri").unwrap();
        assert_eq!(query.words, words(&["deploy"]));
        assert_eq!(query.prefix.as_deref(), Some("fri"));
        assert_eq!(query.from.as_deref(), Some("Alice"));
        assert_eq!(query.room.as_deref(), Some("Ops"));
        let only = Query::parse("in:general").unwrap();
        assert!(only.words.is_empty() && only.prefix.is_none());
        let quoted = Query::parse(r#"in:"Secret Plans" cake from:"bob""#).unwrap();
        assert_eq!(quoted.room.as_deref(), Some("Secret Plans"));
        assert_eq!(quoted.from.as_deref(), Some("bob"));
        assert_eq!(quoted.prefix.as_deref(), Some("cake"));
        let unclosed = Query::parse(r#"cake in:"Secret Plans"#).unwrap();
        assert_eq!(unclosed.room.as_deref(), Some("Secret Plans"));
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(Query::parse(""), Err(QueryError::Empty));
        assert_eq!(Query::parse(" ... !! "), Err(QueryError::Empty));
        assert_eq!(Query::parse("from:"), Err(QueryError::NoValue("from:")));
        assert_eq!(Query::parse(r#"in:"" x"#), Err(QueryError::NoValue("in:")));
        assert_eq!(
            Query::parse("in:a in:b x"),
            Err(QueryError::Repeated("in:"))
        );
        assert_eq!(Query::parse(&"a ".repeat(9)), Err(QueryError::TooManyWords));
        assert_eq!(Query::parse(&"x".repeat(301)), Err(QueryError::TooLong));
        for error in [QueryError::Empty, QueryError::NoValue("in:")] {
            assert!(error.to_string().ends_with('.'));
        }
    }

    #[test]
    fn positions_read_back() {
        let at = Position {
            ts: 1_700_000_000_000,
            room_id: 4,
            id: 812,
        };
        assert_eq!(Position::parse(&at.to_string()), Some(at));
        assert_eq!(Position::parse("5").map(|p| p.ts), Some(5));
        for bad in ["", "x", "1.2", "1.2.3.4", "-1.2.3"] {
            assert_eq!(Position::parse(bad), None, "{bad}");
        }
    }
}
