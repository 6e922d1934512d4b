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

/// Which words of a text to mark: a search's terms, as [`crate::search::words`] folds them.
pub type Marks<'a> = &'a dyn Fn(&str) -> bool;

/// A message's text, formatted.
pub fn render(text: &str, mentions: &Mentions<'_>) -> Markup {
    nodes(&parse(text), mentions, None)
}

/// A message's text, formatted, with the words `marks` picks in `<mark>` (search results).
pub fn render_marked(text: &str, mentions: &Mentions<'_>, marks: Marks<'_>) -> Markup {
    nodes(&parse(text), mentions, Some(marks))
}

/// Plain text with the words `marks` picks in `<mark>`.
fn marked(text: &str, marks: Marks<'_>) -> Markup {
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    crate::search::words::each_term(text, |span, term| {
        if !marks(&term) {
            return;
        }
        // Pairs of ideographs overlap: one mark covers both.
        match spans.last_mut() {
            Some(last) if span.start < last.end => last.end = last.end.max(span.end),
            _ => spans.push(span),
        }
    });
    let mut pieces = Vec::with_capacity(spans.len() * 2 + 1);
    let mut at = 0;
    for span in spans {
        pieces.push((&text[at..span.start], false));
        pieces.push((&text[span.clone()], true));
        at = span.end;
    }
    pieces.push((&text[at..], false));
    html! {
        @for (piece, is_marked) in pieces {
            @if is_marked { mark { (piece) } } @else { (piece) }
        }
    }
}

fn nodes(nodes: &[Node], mentions: &Mentions<'_>, marks: Option<Marks<'_>>) -> Markup {
    html! {
        @for node in nodes {
            @match node {
                Node::Text(text) => @match marks {
                    Some(marks) => (marked(text, marks)),
                    None => (text),
                },
                Node::Code(code) => code { (code) },
                Node::CodeBlock(code) => pre { code { (code) } },
                Node::Bold(inner) => strong { (self::nodes(inner, mentions, marks)) },
                Node::Italic(inner) => em { (self::nodes(inner, mentions, marks)) },
                Node::Strike(inner) => del { (self::nodes(inner, mentions, marks)) },
                Node::Link(url) => a href=(url) rel="noopener noreferrer nofollow" target="_blank" { (url) },
                Node::Mention(name) => @match mentions.class(name) {
                    Some(me) => { span class=(if me { "mention mention-me" } else { "mention" }) { "@" (name) } }
                    None => { "@" (name) }
                },
            }
        }
    }
}
