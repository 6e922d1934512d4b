//! The table of error codes: each code's wire name, its HTTP status, the doors that may answer
//! with it, and the sentence shown when the error itself says nothing more. The JSON API
//! answers `{"error": CODE, "message": TEXT}` with the status, the pages show the status and the
//! text, and the WebSocket sends `{"type":"error","code":CODE,"message":TEXT}` for the codes
//! marked `any`. `ui/js/lib/protocol.js` lists the same socket codes, and `PROTOCOL.md`
//! documents them; a test keeps the three in step.

use poem::http::StatusCode;
use serde::{Serialize, Serializer};

/// Which doors answer with a code. Every door maps an error to the same code; `Http` marks
/// the codes no WebSocket frame can run into (no frame makes a room by a taken name, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doors {
    /// HTTP (the API and the pages) and the WebSocket.
    Any,
    /// HTTP only.
    Http,
}

macro_rules! codes {
    ($($(#[$doc:meta])* $code:ident = $wire:literal, $status:literal, $doors:ident, $sentence:literal;)*) => {
        /// A stable, machine-readable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$doc])* $code,)*
        }

        impl Code {
            /// Every code, in the table's order.
            pub const ALL: &[Code] = &[$(Code::$code,)*];

            /// The code on the wire: `room_not_found`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => $wire,)*
                }
            }

            /// The HTTP status it is answered with.
            pub fn status(self) -> StatusCode {
                let status = match self {
                    $(Code::$code => $status,)*
                };
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }

            /// Which doors answer with it.
            pub fn doors(self) -> Doors {
                match self {
                    $(Code::$code => Doors::$doors,)*
                }
            }

            /// What a page or an answer says when the error brings no words of its own.
            pub fn sentence(self) -> &'static str {
                match self {
                    $(Code::$code => $sentence,)*
                }
            }
        }
    };
}

codes! {
    // Any request or frame.
    /// The request or frame is not one the server knows, or a field is out of its range.
    BadRequest = "bad_request", 400, Any, "That request is not one the server understands.";
    /// Too many requests, frames or messages, too fast.
    RateLimited = "rate_limited", 429, Any, "Too many attempts. Wait a moment and try again.";
    /// The server could not read or write its data; nothing was stored.
    StorageError = "storage_error", 500, Any, "The server could not read or write its data. Try again.";
    /// The server is shutting down or reopening its database: try again shortly.
    Unavailable = "unavailable", 503, Any, "The server cannot answer right now; try again shortly.";
    /// A bug, or a failure the server did not expect.
    Internal = "internal", 500, Http, "Something went wrong on the server.";
    NotFound = "not_found", 404, Http, "There is nothing here.";
    MethodNotAllowed = "method_not_allowed", 405, Http, "That method is not allowed here.";
    RequestTimeout = "request_timeout", 408, Http, "The request body did not arrive in time.";
    PayloadTooLarge = "payload_too_large", 413, Http, "The request body is too large.";
    UnsupportedMediaType = "unsupported_media_type", 415, Http, "The body is not of a type this address takes.";
    /// A state-changing request from another site (`Origin`, `Sec-Fetch-Site`).
    ForbiddenOrigin = "forbidden_origin", 403, Http, "This request came from another site and was refused.";

    // Rooms, messages and conversations.
    /// A room name that breaks the naming rules.
    InvalidRoom = "invalid_room", 400, Any, "A room name is 1 to 64 characters, without control characters.";
    /// No such room, or one the asker may not see: never told apart.
    RoomNotFound = "room_not_found", 404, Any, "There is no such room.";
    /// The name is taken by a room, perhaps one the asker cannot see.
    RoomExists = "room_exists", 409, Http, "That room name is taken.";
    InvalidTopic = "invalid_topic", 400, Http, "A topic is at most 200 characters, on one line.";
    /// The frame names a room this socket does not follow.
    NotJoined = "not_joined", 400, Any, "Join the room first.";
    /// This socket follows as many rooms as it may.
    TooManyRooms = "too_many_rooms", 400, Any, "Leave a room before joining another.";
    /// The room is visible, but this is not the asker's to do.
    Forbidden = "forbidden", 403, Any, "That is not yours to do.";
    /// The room is archived: it can be read, and nothing in it changes.
    RoomArchived = "room_archived", 409, Any, "This room is archived: it can be read, and nothing in it can change.";
    /// The action needs a membership the asker does not have.
    NotAMember = "not_a_member", 404, Any, "You are not a member of this room.";
    /// A search that cannot be read: empty, too long, too many words, a filter without a name.
    InvalidSearch = "invalid_search", 400, Http, "Type a word to search for.";
    EmptyMessage = "empty_message", 400, Any, "A message cannot be empty.";
    TooLong = "too_long", 400, Any, "A message is at most 4000 characters.";
    MessageNotFound = "message_not_found", 404, Any, "There is no such message in this room.";
    /// The message was deleted: it can no longer be edited, reacted to or replied to.
    MessageDeleted = "message_deleted", 409, Any, "That message was deleted.";
    TooManyReactions = "too_many_reactions", 409, Any, "A message can have at most 20 different reactions.";
    BadEmoji = "bad_emoji", 400, Any, "A reaction is one emoji.";
    /// An upload that cannot be attached or downloaded here: unknown, someone else's, sent
    /// already, uploaded to another room, its message deleted, or in a room the asker may not
    /// read. Never told apart.
    FileNotFound = "file_not_found", 404, Any, "There is no such file.";

    // Files.
    /// Over `--max-upload-bytes`.
    FileTooLarge = "file_too_large", 413, Http, "The file is larger than this server takes.";
    /// Over `--user-quota-bytes`.
    QuotaExceeded = "quota_exceeded", 413, Http, "You have used all the space you may keep on this server.";
    EmptyFile = "empty_file", 400, Http, "The file is empty.";
    /// Unknown, expired, used up or revoked: one answer for all.
    InviteInvalid = "invite_invalid", 404, Http, "This invite link is not valid: it may have expired, been used up or been revoked.";
    /// A conversation of too few or too many people.
    InvalidDm = "invalid_dm", 400, Any, "A conversation has 2 to 8 people, you included.";
    /// A conversation someone does not accept (a block, or "only friends").
    DmRefused = "dm_refused", 403, Any, "This person does not accept messages from you.";
    UserNotFound = "user_not_found", 404, Any, "No account is called that.";

    // Accounts and sessions.
    NotSignedIn = "not_signed_in", 401, Http, "Sign in first.";
    InvalidUsername = "invalid_username", 400, Http, "A username is 3 to 32 letters, digits, '_', '.' or '-'.";
    InvalidPassword = "invalid_password", 400, Http, "A password is 8 to 1024 characters.";
    UsernameTaken = "username_taken", 409, Http, "That username is taken.";
    /// An unknown username and a wrong password alike.
    InvalidCredentials = "invalid_credentials", 401, Http, "Username or password is incorrect.";
    WrongCurrentPassword = "wrong_current_password", 400, Http, "Current password is incorrect.";
    AccountDisabled = "account_disabled", 403, Http, "This account is disabled.";
    AccountDeleted = "account_deleted", 403, Http, "That account was deleted by its owner.";
    SignupClosed = "signup_closed", 403, Http, "Sign-up is closed on this server; ask its operator for an account.";
    /// Sign-up is by invitation, and none was brought.
    InviteRequired = "invite_required", 403, Http, "Sign-up on this server is by invitation: ask someone here for an invite link.";
    /// An unknown username, a wrong recovery code and a used one alike.
    RecoveryFailed = "recovery_failed", 401, Http, "Username or recovery code is incorrect.";
    LinkUsed = "link_used", 410, Http, "This sign-in link has already been used. Ask for a new one.";
    LinkExpired = "link_expired", 410, Http, "This sign-in link has expired. Ask for a new one.";
    LinkUnknown = "link_unknown", 404, Http, "This sign-in link is not valid. Check that it was copied whole.";
    SessionNotFound = "session_not_found", 404, Http, "No session of yours has that id.";

    // API tokens.
    /// An `Authorization: Bearer` token that is unknown, expired or revoked, or whose account
    /// may no longer sign in.
    InvalidToken = "invalid_token", 401, Http, "That API token is unknown, expired or revoked.";
    /// A token whose scopes do not cover what it asked for.
    InsufficientScope = "insufficient_scope", 403, Http, "This API token may not do that.";
    InvalidTokenName = "invalid_token_name", 400, Http, "A token's name is 1 to 64 characters, without control characters.";
    /// No scope, or one this server does not know.
    InvalidScopes = "invalid_scopes", 400, Http, "Give a token at least one of the scopes read and post.";
    TooManyTokens = "too_many_tokens", 409, Http, "You have as many API tokens as one account may; revoke one first.";
    TokenNotFound = "token_not_found", 404, Http, "No API token of yours has that id.";

    // People.
    Yourself = "yourself", 403, Http, "That is you.";
    /// A friend request a block stands in the way of.
    FriendRefused = "friend_refused", 403, Http, "That person does not accept friend requests from you.";
    InvalidDisplayName = "invalid_display_name", 400, Http, "A display name is 1 to 64 characters, without control characters.";
    /// A picture that will not do (not one of the accepted formats, damaged, too large).
    BadImage = "bad_image", 400, Http, "That file is not a picture this server takes.";

    // Notifications.
    /// A push endpoint the server may not send to: not `https`, or not on a public address.
    InvalidEndpoint = "invalid_endpoint", 400, Http, "A push endpoint is an https URL on a public address.";
    /// A push subscription whose keys are not a P-256 public key and a 16-byte secret.
    InvalidPushKeys = "invalid_push_keys", 400, Http, "The subscription's keys are not the ones a browser gives.";
    TooManySubscriptions = "too_many_subscriptions", 409, Http, "This account has as many subscribed browsers as it may; remove one first.";
    SubscriptionNotFound = "subscription_not_found", 404, Http, "No subscription of yours has that id.";

    // Webhooks.
    /// A webhook URL the server may not send to: not `https`, or not on a public address.
    InvalidWebhookUrl = "invalid_webhook_url", 400, Http, "A webhook's URL is an https URL on a public address.";
    TooManyWebhooks = "too_many_webhooks", 409, Http, "This room has as many webhooks as a room may; remove one first.";
    WebhookNotFound = "webhook_not_found", 404, Http, "This room has no webhook with that id.";

    // Administration.
    /// Demoting or disabling the last admin who can sign in.
    LastAdmin = "last_admin", 409, Http, "The server would have no admin left; make someone else an admin first.";
    TooManyInvites = "too_many_invites", 409, Http, "There are as many working invite links as there may be; revoke one first.";
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_code_has_its_own_wire_name_an_error_status_and_a_sentence() {
        let mut names = HashSet::new();
        for &code in Code::ALL {
            assert!(names.insert(code.as_str()), "{code:?} repeats a name");
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code:?}"
            );
            let status = code.status();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{code:?}: {status}"
            );
            assert!(code.sentence().ends_with('.'), "{code:?}");
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }

    /// The words of `text` between pairs of `quote` that look like codes (`snake_case`).
    fn quoted_codes(text: &str, quote: char) -> Vec<String> {
        text.split(quote)
            .skip(1)
            .step_by(2)
            .filter(|word| {
                !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_browser_and_the_protocol_document_know_every_socket_code() {
        let root = env!("CARGO_MANIFEST_DIR");
        let js = std::fs::read_to_string(format!("{root}/ui/js/lib/protocol.js")).unwrap();
        let table = js
            .split("export const ERROR_CODES")
            .nth(1)
            .and_then(|rest| rest.split("});").next())
            .expect("ui/js/lib/protocol.js exports ERROR_CODES");
        let mut in_js = quoted_codes(table, '\'');
        in_js.sort();
        let mut socket: Vec<String> = Code::ALL
            .iter()
            .filter(|code| code.doors() == Doors::Any)
            .map(|code| code.as_str().to_owned())
            .collect();
        socket.sort();
        assert_eq!(in_js, socket, "ERROR_CODES in ui/js/lib/protocol.js");
        let doc = std::fs::read_to_string(format!("{root}/src/chat/PROTOCOL.md")).unwrap();
        for code in &socket {
            assert!(
                doc.contains(&format!("`{code}`")),
                "PROTOCOL.md does not document {code}"
            );
        }
    }
}
