//! Search: how a message's words and a query's words are read, by one set of rules
//! ([`words`]), and what a query says ([`query`]). The index is kept by the store in the same
//! write transaction as the history it indexes (`store/search`) and packed by the
//! [`indexer`]'s thread; a search is answered by
//! [`crate::rooms::Rooms::search`], which looks only in the rooms `access::authorize` lets
//! the asker read.

pub mod indexer;
pub mod query;
pub mod words;

pub use query::{BEFORE_RULE, Position, Query, QueryError};
