//! Someone's picture as a page draws it: the image, or their initials on their colour (the
//! same rule as `ui/js/views/avatar.js`). It sits beside their name, so it is decoration.

use maud::{Markup, html};

use crate::people::Person;
use crate::people::avatar::{LARGE, avatar_url, hue, initials};
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
    /// The class and the drawn side in CSS pixels.
    fn drawn(self) -> (&'static str, u16) {
        match self {
            Size::Small => ("avatar", 24),
            Size::Medium => ("avatar medium", 40),
            Size::Large => ("avatar large", 128),
        }
    }
}

/// Someone's picture at a size: the small picture beside a name in a list or a sidebar, the
/// large one on a profile and in settings.
pub fn avatar(user: &User, size: Size) -> Markup {
    match size {
        Size::Large => draw(size, user.id, avatar_url(user, LARGE), initials(user)),
        Size::Small | Size::Medium => drawn_person(&Person::of(user), size),
    }
}

/// Someone as shown, with their small picture beside their name in a sidebar.
pub fn small_avatar(person: &Person) -> Markup {
    drawn_person(person, Size::Small)
}

fn drawn_person(person: &Person, size: Size) -> Markup {
    draw(
        size,
        person.user_id,
        person.avatar_url.clone(),
        person.initials(),
    )
}

fn draw(size: Size, user_id: u64, url: Option<String>, initials: String) -> Markup {
    let (class, pixels) = size.drawn();
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
