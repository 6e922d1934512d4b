//! How big an answer to a `join` or `history` may be, and how one is cut to fit.

use crate::rooms::History;
use crate::rooms::input::ROOM_NAME_MAX;
use crate::rooms::view::MessageView;

/// Messages in a `joined` answer without `since`.
pub(super) const JOIN_LATEST: usize = 50;
/// Messages in a `joined` answer with `since`; past this the client pages on with `history`.
pub(super) const JOIN_RESUME_MAX: usize = 500;
pub(super) const HISTORY_DEFAULT: u32 = 50;
pub(super) const HISTORY_MAX: u32 = 200;
/// Bytes of messages in one `joined` or `history` answer. Past this an answer holds fewer
/// messages and says `more: true`, and the client pages on, as it does past the count limits.
/// Counts alone do not bound an answer: 500 messages of 4,000 characters are 6 MiB, three times
/// that once JSON escapes them. An answer that big would cost the server megabytes per request
/// and could not reach a slow phone within the write timeout, so the client would reconnect
/// and ask again forever.
pub(super) const ANSWER_BYTES: usize = 512 * 1024;

/// Cuts a page to [`ANSWER_BYTES`], keeping its oldest messages (a page read forward) or its
/// newest (the latest, or a page read backward), and at least one.
pub(super) fn fit_answer(page: &mut History, keep_oldest: bool) {
    let mut total = 0;
    let mut fits = |message: &MessageView| {
        total += encoded_len(message);
        total <= ANSWER_BYTES
    };
    let kept = if keep_oldest {
        page.messages.iter().take_while(|m| fits(m)).count()
    } else {
        page.messages.iter().rev().take_while(|m| fits(m)).count()
    }
    .max(1);
    if kept < page.messages.len() {
        let cut = page.messages.len() - kept;
        if keep_oldest {
            page.messages.truncate(kept);
        } else {
            page.messages.drain(..cut);
        }
        page.more = true;
    }
}

/// An upper bound of the bytes a message takes in a frame: every string as if JSON escaped each
/// control character to six bytes, the room name at its longest, and the other fields.
fn encoded_len(message: &MessageView) -> usize {
    fn json_len(text: &str) -> usize {
        text.chars()
            .map(|c| match c {
                '"' | '\\' => 2,
                c if u32::from(c) < 0x20 => 6,
                c => c.len_utf8(),
            })
            .sum()
    }
    let client_id = message.client_id.as_deref().map_or(0, json_len);
    json_len(&message.text) + json_len(&message.user) + client_id + 6 * ROOM_NAME_MAX + 192
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Actor, ServerRole, Via};
    use crate::rooms::view::RoomSummary;
    use crate::store::{Kind, Room};

    fn reader() -> Actor {
        Actor {
            user_id: 1,
            via: Via::Session,
            role: ServerRole::Member,
        }
    }

    fn page(count: u64, text: &str) -> History {
        let room = Room {
            id: 1,
            kind: Kind::Open,
            name: Some("r".into()),
            topic: None,
            created_at: 0,
            created_by: None,
            seq: count,
            last_id: count,
            last_activity: 0,
            members: 1,
            archived_at: None,
        };
        let messages = (1..=count)
            .map(|id| MessageView {
                room_id: 1,
                room: room.name.clone(),
                id,
                seq: id,
                user_id: 1,
                user: "alice".into(),
                text: text.into(),
                ts: id,
                client_id: None,
                ..MessageView::default()
            })
            .collect();
        History {
            summary: RoomSummary::new(&reader(), &room, None, Vec::new()),
            room,
            messages,
            more: false,
        }
    }

    fn ids(page: &History) -> Vec<u64> {
        page.messages.iter().map(|m| m.id).collect()
    }

    #[test]
    fn answers_of_short_messages_are_left_whole() {
        let mut short = page(500, "hello");
        fit_answer(&mut short, true);
        assert_eq!(short.messages.len(), 500);
        assert!(!short.more);
    }

    #[test]
    fn answers_of_long_messages_are_cut_at_the_end_away_from_their_start() {
        // 4,000 control characters: 24,000 bytes each once escaped.
        let long = "\u{1}".repeat(4000);
        let mut forward = page(100, &long);
        fit_answer(&mut forward, true);
        let kept = forward.messages.len();
        assert!((10..=21).contains(&kept), "{kept}");
        assert_eq!(ids(&forward), (1..=kept as u64).collect::<Vec<_>>());
        assert!(forward.more);
        let encoded = crate::chat::protocol::frames::history_frame(1, &forward.messages, true);
        assert!(encoded.len() <= ANSWER_BYTES, "{}", encoded.len());

        let mut backward = page(100, &long);
        fit_answer(&mut backward, false);
        assert_eq!(backward.messages.len(), kept);
        assert_eq!(backward.messages.last().unwrap().id, 100);
        assert!(backward.more);
    }

    #[test]
    fn one_message_is_always_kept() {
        // Each message alone is over the limit (100,000 characters escaped to 600,000 bytes).
        let mut one = page(3, &"\u{1}".repeat(100_000));
        fit_answer(&mut one, true);
        assert_eq!(ids(&one), vec![1]);
    }
}
