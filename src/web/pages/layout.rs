//! The frame every page shares. Signed out: a header and the page. Signed in: the app shell, a
//! header, the sidebar with the person's rooms and direct conversations (a drawer on a phone),
//! and the page's `<main>`.

use maud::{DOCTYPE, Markup, html};
use poem::http::StatusCode;
use poem::{IntoResponse, Response};

use super::avatar::small_avatar;
use super::page;
use crate::people::Person;
use crate::rooms::view::RoomSummary;
use crate::store::User;
use crate::web::Assets;

/// Page head: metadata, styles, icon and the small form script.
pub fn head(assets: &Assets, title: &str) -> Markup {
    head_refreshing(assets, title, None)
}

/// A head that, with `refresh`, has the browser load the page again after that many seconds.
fn head_refreshing(assets: &Assets, title: &str, refresh: Option<u64>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            @if let Some(seconds) = refresh {
                meta http-equiv="refresh" content=(seconds);
            }
            meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover";
            meta name="color-scheme" content="light dark";
            // The browser's bar in the page's own colours, light or dark.
            meta name="theme-color" media="(prefers-color-scheme: light)" content="#ffffff";
            meta name="theme-color" media="(prefers-color-scheme: dark)" content="#1a1e22";
            title { (title) " · confab" }
            link rel="icon" type="image/svg+xml" href=(assets.url("favicon.svg"));
            link rel="manifest" href="/manifest.webmanifest";
            link rel="apple-touch-icon" href=(assets.url("icons/apple-touch-icon.png"));
            link rel="stylesheet" href=(assets.url("css/tokens.css"));
            link rel="stylesheet" href=(assets.url("css/base.css"));
            link rel="stylesheet" href=(assets.url("css/site.css"));
            link rel="stylesheet" href=(assets.url("css/shell.css"));
            link rel="stylesheet" href=(assets.url("css/chat.css"));
            link rel="stylesheet" href=(assets.url("css/messages.css"));
            link rel="stylesheet" href=(assets.url("css/files.css"));
            link rel="stylesheet" href=(assets.url("css/members.css"));
            link rel="stylesheet" href=(assets.url("css/composer.css"));
            link rel="stylesheet" href=(assets.url("css/account.css"));
            link rel="stylesheet" href=(assets.url("css/search.css"));
            script type="module" src=(assets.url("js/forms.js")) {}
        }
    }
}

/// A sign-out button (a form: signing out changes state, so it is a POST).
pub fn sign_out_button(class: &str) -> Markup {
    html! {
        form.inline method="post" action="/logout" {
            button.(class) type="submit" data-busy-label="Signing out…" { "Sign out" }
        }
    }
}

fn brand(assets: &Assets) -> Markup {
    html! {
        a.brand href="/" aria-label="confab home" {
            img src=(assets.url("favicon.svg")) alt="" width="24" height="24";
            span { "confab" }
        }
    }
}

/// A signed-out page (or an error page): the site header and the page in `<main>`.
pub fn layout(assets: &Assets, title: &str, user: Option<&User>, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(assets, title))
            body {
                a.skip-link href="#main" { "Skip to content" }
                header.site-header {
                    (brand(assets))
                    nav aria-label="Account" {
                        @if let Some(user) = user {
                            a href="/rooms" { "Rooms" }
                            span.whoami { "Signed in as " strong { (user.username) } }
                            (sign_out_button("button secondary"))
                        } @else {
                            a href="/login" { "Sign in" }
                            a.button href="/signup" { "Sign up" }
                        }
                    }
                }
                main #main tabindex="-1" { (main) }
            }
        }
    }
}

/// A friend in the sidebar.
pub struct SidebarFriend {
    pub person: Person,
    pub online: bool,
    pub last_seen: Option<u64>,
}

/// What the app shell needs besides the page: who is signed in, their rooms and friends.
pub struct Shell<'a> {
    pub user: &'a User,
    pub rooms: &'a [RoomSummary],
    pub friends: &'a [SidebarFriend],
    /// The room the page shows, marked in the sidebar.
    pub current: Option<u64>,
    /// Now, for "last seen".
    pub now: u64,
}

/// The people of a direct room other than `me` (only `me`, when no one else is left).
fn others<'r>(room: &'r RoomSummary, me: &str) -> Vec<&'r Person> {
    let others: Vec<&Person> = room
        .people
        .iter()
        .filter(|person| !person.username.eq_ignore_ascii_case(me))
        .collect();
    if others.is_empty() {
        room.people.iter().collect()
    } else {
        others
    }
}

/// A room's title in `me`'s sidebar: its name, or a direct room's other people as they are
/// shown (their display names, where they chose one).
pub fn room_title(room: &RoomSummary, me: &str) -> String {
    if room.kind != "direct" {
        return room.name.clone().unwrap_or_default();
    }
    let shown: Vec<&str> = others(room, me)
        .into_iter()
        .map(Person::shown_name)
        .collect();
    if shown.is_empty() {
        me.to_owned()
    } else {
        shown.join(", ")
    }
}

/// The path of a room's chat page for `me`.
pub fn room_href(room: &RoomSummary, me: &str) -> String {
    if room.kind == "direct" {
        let others: Vec<&str> = others(room, me)
            .into_iter()
            .map(|person| person.username.as_str())
            .collect();
        super::dm_path(&others)
    } else {
        super::room_path(room.name.as_deref().unwrap_or_default())
    }
}

/// "3", or "100+" when the count stopped at its cap.
fn count_label(n: u32) -> String {
    if n >= crate::store::UNREAD_CAP {
        format!("{}+", crate::store::UNREAD_CAP)
    } else {
        n.to_string()
    }
}

/// A room's mention and unread badges, as the sidebar script draws them too.
pub fn unread_badges(room: &RoomSummary) -> Markup {
    html! {
        @if room.mentions > 0 {
            span.badge.mention-badge aria-hidden="true" title={ (count_label(room.mentions)) " mentioning you" } {
                "@" (count_label(room.mentions))
            }
            span.visually-hidden { " (" (count_label(room.mentions)) " mentioning you)" }
        }
        @if room.unread > 0 {
            span.badge.unread-badge aria-hidden="true" { (count_label(room.unread)) }
            span.visually-hidden { " (" (count_label(room.unread)) " unread)" }
        }
    }
}

fn sidebar_item(room: &RoomSummary, shell: &Shell) -> Markup {
    let me = &shell.user.username;
    html! {
        li {
            a.sidebar-room.(format!("kind-{}", room.kind)).unread[room.unread > 0 && shell.current != Some(room.id)] href=(room_href(room, me)) data-room-id=(room.id)
                aria-current=[(shell.current == Some(room.id)).then_some("page")] {
                @if let Some(first) = others(room, me).first() { (small_avatar(first)) }
                span.room-label { (room_title(room, me)) }
                @if room.kind == "private" { span.room-private { "private" } }
                @if shell.current != Some(room.id) { (unread_badges(room)) }
            }
        }
    }
}

fn sidebar(shell: &Shell) -> Markup {
    let me = &shell.user.username;
    let mut named: Vec<&RoomSummary> = shell.rooms.iter().filter(|r| r.kind != "direct").collect();
    named.sort_by_key(|r| room_title(r, me).to_lowercase());
    let mut direct: Vec<&RoomSummary> = shell.rooms.iter().filter(|r| r.kind == "direct").collect();
    direct.sort_by_key(|r| std::cmp::Reverse(r.last_activity));
    html! {
        nav.sidebar #sidebar aria-label="Your rooms" data-current=[shell.current] {
            section.sidebar-section aria-labelledby="sidebar-rooms-title" {
                h2 #sidebar-rooms-title { "Rooms" }
                ul.sidebar-list #sidebar-rooms {
                    @for room in &named { (sidebar_item(room, shell)) }
                }
                p.sidebar-empty #sidebar-rooms-empty hidden[!named.is_empty()] { "No rooms yet." }
            }
            section.sidebar-section aria-labelledby="sidebar-dms-title" {
                h2 #sidebar-dms-title { "Direct messages" }
                ul.sidebar-list #sidebar-dms {
                    @for room in &direct { (sidebar_item(room, shell)) }
                }
                p.sidebar-empty #sidebar-dms-empty hidden[!direct.is_empty()] { "No conversations yet." }
            }
            section.sidebar-section aria-labelledby="sidebar-friends-title" {
                h2 #sidebar-friends-title { "Friends" }
                ul.sidebar-list #sidebar-friends {
                    @for friend in shell.friends {
                        @let person = &friend.person;
                        li {
                            a.sidebar-friend href={ "/u/" (person.username) } data-username=(person.username)
                                title=[person.display_name.as_ref().map(|_| &person.username)] {
                                span.presence-dot.(if friend.online { "on" } else { "off" }) aria-hidden="true" {}
                                (small_avatar(person))
                                span.room-label { (person.shown_name()) }
                                span.friend-seen {
                                    @if friend.online { "online" }
                                    @else if let Some(at) = friend.last_seen { (super::ago(shell.now, at)) }
                                }
                            }
                        }
                    }
                }
                p.sidebar-empty #sidebar-friends-empty hidden[!shell.friends.is_empty()] { "No friends yet." }
            }
            p.sidebar-links {
                a href="/rooms" { "All rooms" }
                a href="/people" { "People" }
            }
            // On a phone the header's account links live here, in the drawer.
            section.sidebar-account aria-label="Account" {
                p.whoami { "Signed in as " strong { (shell.user.username) } }
                p.sidebar-links {
                    a href="/search" { "Search" }
                    a href="/settings" { "Settings" }
                    @if shell.user.admin { a href="/admin" { "Admin" } }
                }
                (sign_out_button("button secondary"))
            }
        }
    }
}

/// A signed-in page: the header, the sidebar and `body` (which holds the page's `<main>`).
pub fn shell(assets: &Assets, title: &str, shell: &Shell, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(assets, title))
            body.app data-user=(shell.user.username) {
                a.skip-link href="#main" { "Skip to content" }
                header.site-header {
                    a.button.secondary.sidebar-toggle #sidebar-toggle href="#sidebar" aria-controls="sidebar" { "Rooms" }
                    (brand(assets))
                    form.header-search method="get" action="/search" role="search" aria-label="Search messages" {
                        label.visually-hidden for="header-q" { "Search messages" }
                        input #header-q name="q" type="search" placeholder="Search" maxlength="300"
                            autocomplete="off" spellcheck="false" enterkeyhint="search";
                    }
                    nav aria-label="Account" {
                        a.nav-narrow href="/search" { "Search" }
                        a.nav-wide href="/rooms" { "Rooms" }
                        a.nav-wide href="/people" { "People" }
                        a href="/settings" { "Settings" }
                        @if shell.user.admin { a.nav-wide href="/admin" { "Admin" } }
                        span.whoami { "Signed in as " strong { (shell.user.username) } }
                        (sign_out_button("button secondary"))
                    }
                }
                div.shell {
                    (sidebar(shell))
                    (body)
                }
                script type="module" src=(assets.url("js/app.js")) {}
            }
        }
    }
}

/// The `<main>` of an ordinary signed-in page.
pub fn main(content: Markup) -> Markup {
    html! {
        main.page #main tabindex="-1" { (content) }
    }
}

/// 503 while the database does not answer: the page says so and loads itself again shortly,
/// so a person is never sent to sign in by a passing disk fault.
pub fn unavailable_page() -> Response {
    let assets = Assets::shared();
    let seconds = crate::errors::RETRY_AFTER_SECS;
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head_refreshing(assets, "Temporarily unavailable", Some(seconds)))
            body {
                header.site-header { (brand(assets)) }
                main #main tabindex="-1" {
                    section.card.narrow {
                        h1 { "Temporarily unavailable" }
                        p role="status" { "The server cannot read its data right now. This page tries again in a moment." }
                    }
                }
            }
        }
    };
    let mut resp = page(StatusCode::SERVICE_UNAVAILABLE, markup);
    resp.headers_mut()
        .insert(poem::http::header::RETRY_AFTER, seconds.into());
    resp
}

/// A page that explains an error. Used for 404s, refused requests and the like.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let assets = Assets::shared();
    let markup = layout(
        assets,
        title,
        None,
        html! {
            section.card.narrow {
                h1 { (title) }
                p { (message) }
                p { a.button href="/" { "Go to the home page" } }
            }
        },
    );
    page(status, markup).into_response()
}
