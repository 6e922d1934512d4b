//! Someone's picture as a page draws it: the image, or their initials on their colour (the
//! same rule as `ui/js/views/avatar.js`). It sits beside their name, so it is decoration.

use maud::{Markup, html};

use crate::people::avatar::{LARGE, SMALL, avatar_url, hue, initials};
use crate::store::User;

/// How big it is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Size {
    /// Beside a name in a list.
    Medium,
    /// On a profile and in settings.
    Large,
}

pub fn avatar(user: &User, size: Size) -> Markup {
    let (class, side, pixels) = match size {
        Size::Medium => ("avatar medium", SMALL, 40),
        Size::Large => ("avatar large", LARGE, 128),
    };
    let hue_class = format!("{class} initials avatar-hue-{}", hue(user.id) / 30);
    html! {
        @if let Some(url) = avatar_url(user, side) {
            img class=(class) src=(url) alt="" width=(pixels) height=(pixels);
        } @else {
            // Drawn by CSS from the attribute, so the letters are not part of the name's text.
            span class=(hue_class) aria-hidden="true" data-initials=(initials(user)) {}
        }
    }
}
