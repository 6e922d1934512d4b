//! What calls you back: this browser's permission to show notifications (asked only from its
//! button), and where each room's level is chosen.

use maud::{Markup, html};

pub(super) fn part() -> Markup {
    html! {
        section.card #notifications aria-labelledby="notifications-title" {
            h2 #notifications-title { "Notifications" }
            p #device-alerts-state role="status" {
                "Notifications on this device need JavaScript."
            }
            button.button.secondary #device-alerts type="button" hidden { "Allow notifications" }
            p.hint {
                "While confab is open in a tab you are not looking at, a notification tells you of "
                "what calls you in each room: every message in a direct conversation, and mentions "
                "of you elsewhere. Choose another level for a room from its menu, beside its name."
            }
        }
    }
}
