//! Formatted text as HTML, for pages without JavaScript. maud escapes every text and
//! attribute, so the only elements are the ones written here.

use maud::{Markup, html};

use super::{Node, parse};

/// How the mentions of one message are shown to one reader.
pub struct Mentions<'a> {
    /// Lower-cased names the message mentions (recognised by the server when stored).
    pub names: &'a [String],
    /// `here` or `room`, if the message calls everyone.
    pub everyone: Option<&'a str>,
    /// The reader's lower-cased name.
    pub me: &'a str,
}

impl Mentions<'_> {
    /// `None`: not a mention, shown as text; `Some(true)`: it calls the reader.
    fn class(&self, name: &str) -> Option<bool> {
        let name = name.to_ascii_lowercase();
        if self.everyone == Some(name.as_str()) {
            return Some(true);
        }
        self.names.contains(&name).then(|| name == self.me)
    }
}

/// A message's text, formatted.
pub fn render(text: &str, mentions: &Mentions<'_>) -> Markup {
    nodes(&parse(text), mentions)
}

fn nodes(nodes: &[Node], mentions: &Mentions<'_>) -> Markup {
    html! {
        @for node in nodes {
            @match node {
                Node::Text(text) => (text),
                Node::Code(code) => code { (code) },
                Node::CodeBlock(code) => pre { code { (code) } },
                Node::Bold(inner) => strong { (self::nodes(inner, mentions)) },
                Node::Italic(inner) => em { (self::nodes(inner, mentions)) },
                Node::Strike(inner) => del { (self::nodes(inner, mentions)) },
                Node::Link(url) => a href=(url) rel="noopener noreferrer nofollow" target="_blank" { (url) },
                Node::Mention(name) => @match mentions.class(name) {
                    Some(me) => { span class=(if me { "mention mention-me" } else { "mention" }) { "@" (name) } }
                    None => { "@" (name) }
                },
            }
        }
    }
}
