//! Someone's picture as a page draws it: the image, or their initials on their colour (the
//! same rule as `ui/js/views/avatar.js`). It sits beside their name, so it is decoration.

use maud::{Markup, html};

use crate::people::avatar::{LARGE, SMALL, avatar_url, hue, initials, initials_of};
use crate::rooms::view::RoomPerson;
use crate::store::User;

/// How big it is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Size {
    /// Beside a name in the sidebar.
    Small,
    /// Beside a name in a list.
    Medium,
    /// On a profile and in settings.
    Large,
}

impl Size {
    /// The class, the stored picture's side and the drawn side in CSS pixels.
    fn drawn(self) -> (&'static str, u16, u16) {
        match self {
            Size::Small => ("avatar", SMALL, 24),
            Size::Medium => ("avatar medium", SMALL, 40),
            Size::Large => ("avatar large", LARGE, 128),
        }
    }
}

pub fn avatar(user: &User, size: Size) -> Markup {
    let (_, side, _) = size.drawn();
    draw(size, user.id, avatar_url(user, side), initials(user))
}

/// One of a direct room's people, whose picture (if any) is the small one.
pub fn small_avatar(person: &RoomPerson) -> Markup {
    let shown = person.display_name.as_deref().unwrap_or(&person.username);
    draw(
        Size::Small,
        person.user_id,
        person.avatar_url.clone(),
        initials_of(shown),
    )
}

fn draw(size: Size, user_id: u64, url: Option<String>, initials: String) -> Markup {
    let (class, _, pixels) = size.drawn();
    let hue_class = format!("{class} initials avatar-hue-{}", hue(user_id) / 30);
    html! {
        @if let Some(url) = url {
            img class=(class) src=(url) alt="" width=(pixels) height=(pixels);
        } @else {
            // Drawn by CSS from the attribute, so the letters are not part of the name's text.
            span class=(hue_class) aria-hidden="true" data-initials=(initials) {}
        }
    }
}
