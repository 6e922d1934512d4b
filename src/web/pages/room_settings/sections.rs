//! The sections of a room's settings page, each a card with its own plain form.

use maud::{Markup, html};

use super::super::avatar::small_avatar;
use super::super::chat::LEVELS;
use super::super::{ago, room_path};
use crate::access::May;
use crate::outbound::endpoint::URL_MAX;
use crate::rooms::input::{ROOM_NAME_MAX, TOPIC_MAX};
use crate::rooms::{InviteInfo, Member};
use crate::store::{Kind, Role, User};
use crate::webhooks::WebhookInfo;

/// Invite expiries offered, in seconds (none: never).
pub(super) const EXPIRIES: [(&str, &str, Option<u64>); 4] = [
    ("1h", "1 hour", Some(3600)),
    ("1d", "1 day", Some(86_400)),
    ("7d", "7 days", Some(7 * 86_400)),
    ("never", "Never", None),
];

fn when(ms: Option<u64>, now: u64) -> String {
    match ms {
        None => "never".into(),
        Some(at) if at <= now => "expired".into(),
        Some(at) => format!("in {}", ago(at, now).trim_end_matches(" ago")),
    }
}

pub(super) fn members_section(
    members: &[Member],
    me: &User,
    may: &May,
    name: &str,
    online: &dyn Fn(u64) -> bool,
) -> Markup {
    html! {
        section.card aria-labelledby="members-heading" {
            h2 #members-heading { "Members " span.muted { "(" (members.len()) ")" } }
            ul.member-rows {
                @for member in members {
                    @let person = &member.person;
                    li {
                        (small_avatar(person)) " "
                        a href=(format!("/u/{}", person.username)) { (person.username) }
                        @if let Some(shown) = &person.display_name { " " span.muted { (shown) } }
                        @if member.role == Role::Owner { " " span.badge { "owner" } }
                        @if online(person.user_id) { " " span.badge.online { "online" } }
                        @if may.remove && person.user_id != me.id {
                            form.inline method="post" action=(format!("{}/settings", room_path(name))) {
                                input type="hidden" name="action" value="remove";
                                input type="hidden" name="username" value=(person.username);
                                button.button.secondary.small type="submit" data-busy-label="Removing…" {
                                    "Remove" span.visually-hidden { " " (person.username) }
                                }
                            }
                        }
                    }
                }
            }
            @if may.manage {
                form.row-form method="post" action=(format!("{}/settings", room_path(name))) {
                    input type="hidden" name="action" value="add";
                    label for="add-username" { "Add someone by username" }
                    div.row {
                        input #add-username name="username" type="text" required maxlength="32"
                            autocomplete="off" autocapitalize="none" spellcheck="false";
                        button.button.primary type="submit" data-busy-label="Adding…" { "Add" }
                    }
                }
            }
        }
    }
}

pub(super) fn invites_section(invites: &[InviteInfo], name: &str, now: u64) -> Markup {
    let action = format!("{}/settings", room_path(name));
    html! {
        section.card aria-labelledby="invites-heading" {
            h2 #invites-heading { "Invite links" }
            form.stack method="post" action=(action) {
                input type="hidden" name="action" value="invite";
                label for="invite-expires" { "Expires after" }
                select #invite-expires name="expires" {
                    @for (value, label, _) in EXPIRIES {
                        option value=(value) selected[value == "7d"] { (label) }
                    }
                }
                label for="invite-uses" { "How many people may use it " span.muted { "(empty: no limit)" } }
                input #invite-uses name="max_uses" type="number" min="1" max="100000" inputmode="numeric";
                button.button.primary type="submit" data-busy-label="Making the link…" { "Make an invite link" }
            }
            @if !invites.is_empty() {
                table.invites {
                    caption.visually-hidden { "Invite links of this room" }
                    thead { tr { th scope="col" { "Made by" } th scope="col" { "Used" } th scope="col" { "Expires" } th scope="col" { "State" } th scope="col" { span.visually-hidden { "Revoke" } } } }
                    tbody {
                        @for invite in invites {
                            tr {
                                td { (invite.created_by) }
                                td { (invite.uses) @if let Some(max) = invite.max_uses { " of " (max) } }
                                td { (when(invite.expires_at, now)) }
                                td { @if invite.revoked { "revoked" } @else if invite.usable { "usable" } @else { "no longer usable" } }
                                td {
                                    @if invite.usable {
                                        form.inline method="post" action=(action) {
                                            input type="hidden" name="action" value="revoke";
                                            input type="hidden" name="invite" value=(invite.id);
                                            button.button.secondary.small type="submit" { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn export_section(name: &str) -> Markup {
    let href = format!("/api/v1{}/export", room_path(name));
    html! {
        section.card aria-labelledby="export-heading" {
            h2 #export-heading { "Download the room" }
            p.muted {
                "Every message, who wrote it, and every attached file, in one zip: JSON Lines any tool can read, and the files as they were sent."
            }
            p { a.button.secondary href=(href) download { "Download " (name) " (zip)" } }
        }
    }
}

pub(super) fn details_section(name: &str, topic: &str, kind: Kind) -> Markup {
    html! {
        section.card aria-labelledby="details-heading" {
            h2 #details-heading { "Name, topic and who can find it" }
            form.stack method="post" action=(format!("{}/settings", room_path(name))) {
                input type="hidden" name="action" value="update";
                label for="room-name" { "Name" }
                input #room-name name="name" type="text" value=(name) required maxlength=(ROOM_NAME_MAX) autocomplete="off";
                label for="room-topic" { "Topic" }
                input #room-topic name="topic" type="text" value=(topic) maxlength=(TOPIC_MAX) autocomplete="off";
                fieldset.choices {
                    legend { "Who can find it" }
                    label.choice { input type="radio" name="kind" value="private" checked[kind == Kind::Private]; " Private: members only" }
                    label.choice { input type="radio" name="kind" value="open" checked[kind == Kind::Open]; " Open: anyone here can join by its name" }
                }
                button.button.primary type="submit" data-busy-label="Saving…" { "Save" }
            }
        }
    }
}

/// What calls this member back from the room; the room menu of the chat page sets it too.
pub(super) fn notifications_section(name: &str, level: &str) -> Markup {
    html! {
        section.card aria-labelledby="notify-heading" {
            h2 #notify-heading { "Notifications" }
            form.stack method="post" action=(format!("{}/settings", room_path(name))) {
                input type="hidden" name="action" value="notify";
                fieldset.choices {
                    legend { "Notify me of" }
                    @for (value, label) in LEVELS {
                        label.choice { input type="radio" name="level" value=(value) checked[value == level]; " " (label) }
                    }
                }
                p.hint { "Mentions: messages that name you, and @room. Your choice is yours alone." }
                button.button.primary type="submit" data-busy-label="Saving…" { "Save" }
            }
        }
    }
}

/// The room's outgoing webhooks: each with how its last delivery went, a way to enable one
/// that stopped, and a form for a new one.
pub(super) fn webhooks_section(webhooks: &[WebhookInfo], name: &str, now: u64) -> Markup {
    let action = format!("{}/settings", room_path(name));
    html! {
        section.card aria-labelledby="webhooks-heading" {
            h2 #webhooks-heading { "Webhooks" }
            p.muted {
                "Each new message of this room, or only those that mention a bot, is sent as JSON to a URL, signed with the webhook's secret ("
                code { "X-Confab-Signature: sha256=…" } "). A webhook that keeps failing stops, and says why here."
            }
            @if !webhooks.is_empty() {
                table.invites {
                    caption.visually-hidden { "Webhooks of this room" }
                    thead { tr { th scope="col" { "URL" } th scope="col" { "Sends" } th scope="col" { "Last delivery" } th scope="col" { "State" } th scope="col" { span.visually-hidden { "Actions" } } } }
                    tbody {
                        @for hook in webhooks {
                            tr {
                                td { code.wrap { (hook.url) } }
                                td { @if let Some(bot) = &hook.mentions_of { "mentions of " (bot) } @else { "every message" } }
                                td { @match &hook.last_delivery {
                                    Some((at, result)) => { (result) " " span.muted { (ago(*at, now)) } },
                                    None => span.muted { "none yet" },
                                } }
                                td { @match &hook.disabled {
                                    Some(why) => { strong { "stopped" } ": " (why) },
                                    None => "sending",
                                } }
                                td {
                                    @if hook.disabled.is_some() {
                                        form.inline method="post" action=(action) {
                                            input type="hidden" name="action" value="webhook-enable";
                                            input type="hidden" name="webhook" value=(hook.id);
                                            button.button.secondary.small type="submit" { "Enable" span.visually-hidden { " the webhook to " (hook.url) } }
                                        }
                                        " "
                                    }
                                    form.inline method="post" action=(action) {
                                        input type="hidden" name="action" value="webhook-remove";
                                        input type="hidden" name="webhook" value=(hook.id);
                                        button.button.secondary.small type="submit" { "Remove" span.visually-hidden { " the webhook to " (hook.url) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form.stack method="post" action=(action) {
                input type="hidden" name="action" value="webhook-add";
                label for="webhook-url" { "URL to send to" }
                input #webhook-url name="url" type="url" required maxlength=(URL_MAX) placeholder="https://" autocomplete="off";
                label for="webhook-mentions" { "Only messages that mention " span.muted { "(a username; empty: every message)" } }
                input #webhook-mentions name="mentions_of" type="text" maxlength="32" autocomplete="off" autocapitalize="none" spellcheck="false";
                button.button.primary type="submit" data-busy-label="Adding…" { "Add the webhook" }
            }
        }
    }
}
