//! Message formatting: links, `code`, fenced code blocks, `*bold*` (and `**bold**` or
//! `__bold__`, as people used to Markdown type it), `_italic_`, `~~strike~~` and `@mentions`,
//! by the rules of `RULES.md` beside this file. The browser has the same rules in
//! `ui/js/lib/markup.js`; both produce the same [`Node`] tree for the shared corpus in
//! `tests/format/corpus.json`.
//!
//! Parsing yields a tree of nodes whose text is the user's, never markup; [`html`] renders
//! it with maud, which escapes every text. The server also reads the `@names` of a message
//! from this tree ([`mentioned`]), so a name inside code is never a mention.

pub mod html;

use serde::Serialize;

/// The most characters a mention's name can have (the longest username).
const NAME_MAX: usize = 32;

/// One piece of a formatted message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Node {
    Text(String),
    Code(String),
    CodeBlock(String),
    Bold(Vec<Node>),
    Italic(Vec<Node>),
    Strike(Vec<Node>),
    Link(String),
    /// `@NAME`, without the `@`; shown highlighted only if the message recognised it.
    Mention(String),
}

/// Parses a message's text into nodes.
pub fn parse(text: &str) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            flush_paragraph(&mut paragraph, &mut nodes);
            let mut code: Vec<&str> = Vec::new();
            for inner in lines.by_ref() {
                if inner.trim() == "```" {
                    break;
                }
                code.push(inner);
            }
            nodes.push(Node::CodeBlock(code.join("\n")));
        } else {
            paragraph.push(line);
        }
    }
    flush_paragraph(&mut paragraph, &mut nodes);
    nodes
}

fn flush_paragraph(lines: &mut Vec<&str>, nodes: &mut Vec<Node>) {
    if lines.is_empty() {
        return;
    }
    let text = lines.join("\n");
    lines.clear();
    if text.is_empty() {
        return;
    }
    let chars: Vec<char> = text.chars().collect();
    nodes.extend(Inline::new(&chars).parse(0, chars.len(), Open::default()));
}

/// The `@names` of a text, lower-cased, each once, in the order they first appear (code and
/// code blocks excluded).
pub fn mentioned(text: &str) -> Vec<String> {
    fn walk(nodes: &[Node], out: &mut Vec<String>) {
        for node in nodes {
            match node {
                Node::Mention(name) => {
                    let name = name.to_ascii_lowercase();
                    if !out.contains(&name) {
                        out.push(name);
                    }
                }
                Node::Bold(inner) | Node::Italic(inner) | Node::Strike(inner) => walk(inner, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&parse(text), &mut out);
    out
}

/// The most characters of a message that a notification shows.
pub const EXCERPT_MAX: usize = 140;

/// The start of a message's text as a notification shows it: runs of white space (line
/// breaks too) folded into one space, at most [`EXCERPT_MAX`] characters, `…` where cut.
pub fn excerpt(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match folded.char_indices().nth(EXCERPT_MAX) {
        None => folded,
        Some(_) => {
            let (cut, _) = folded
                .char_indices()
                .nth(EXCERPT_MAX - 1)
                .unwrap_or_default();
            format!("{}…", &folded[..cut])
        }
    }
}

pub(crate) fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Which emphasis is already open around the text being parsed.
#[derive(Debug, Clone, Copy, Default)]
struct Open {
    bold: bool,
    italic: bool,
    strike: bool,
}

/// The kinds of emphasis.
#[derive(Debug, Clone, Copy)]
enum Emphasis {
    Bold,
    Italic,
    Strike,
}

impl Emphasis {
    fn is_open(self, open: Open) -> bool {
        match self {
            Emphasis::Bold => open.bold,
            Emphasis::Italic => open.italic,
            Emphasis::Strike => open.strike,
        }
    }

    fn opened(self, open: Open) -> Open {
        match self {
            Emphasis::Bold => Open { bold: true, ..open },
            Emphasis::Italic => Open {
                italic: true,
                ..open
            },
            Emphasis::Strike => Open {
                strike: true,
                ..open
            },
        }
    }

    fn node(self, inner: Vec<Node>) -> Node {
        match self {
            Emphasis::Bold => Node::Bold(inner),
            Emphasis::Italic => Node::Italic(inner),
            Emphasis::Strike => Node::Strike(inner),
        }
    }
}

struct Inline<'a> {
    chars: &'a [char],
}

impl<'a> Inline<'a> {
    fn new(chars: &'a [char]) -> Self {
        Inline { chars }
    }

    fn before(&self, at: usize, start: usize) -> Option<char> {
        (at > start).then(|| self.chars[at - 1])
    }

    /// The nodes of `chars[start..end]`.
    fn parse(&self, start: usize, end: usize, open: Open) -> Vec<Node> {
        let mut nodes = Vec::new();
        let mut text = String::new();
        let mut at = start;
        while at < end {
            if let Some((node, next)) = self.token(at, start, end, open) {
                if !text.is_empty() {
                    nodes.push(Node::Text(std::mem::take(&mut text)));
                }
                nodes.push(node);
                at = next;
            } else {
                text.push(self.chars[at]);
                at += 1;
            }
        }
        if !text.is_empty() {
            nodes.push(Node::Text(text));
        }
        nodes
    }

    /// The token starting at `at`, and where the text after it starts. A doubled delimiter
    /// (`**`, `__`, `~~`) is tried before a single one.
    fn token(&self, at: usize, start: usize, end: usize, open: Open) -> Option<(Node, usize)> {
        match self.chars[at] {
            '`' => self.code(at, end),
            'h' => self.link(at, start, end),
            '@' => self.mention(at, start, end),
            '*' => self
                .emphasized(at, start, end, open, "**", Emphasis::Bold)
                .or_else(|| self.emphasized(at, start, end, open, "*", Emphasis::Bold)),
            '_' => self
                .emphasized(at, start, end, open, "__", Emphasis::Bold)
                .or_else(|| self.emphasized(at, start, end, open, "_", Emphasis::Italic)),
            '~' => self.emphasized(at, start, end, open, "~~", Emphasis::Strike),
            _ => None,
        }
    }

    /// `kind` of emphasis opened by `delimiter` at `at`, if it is not open already and closes.
    fn emphasized(
        &self,
        at: usize,
        start: usize,
        end: usize,
        open: Open,
        delimiter: &str,
        kind: Emphasis,
    ) -> Option<(Node, usize)> {
        if kind.is_open(open) {
            return None;
        }
        let delimiter: Vec<char> = delimiter.chars().collect();
        let close = self.emphasis(at, start, end, &delimiter)?;
        let inner = self.parse(at + delimiter.len(), close, kind.opened(open));
        Some((kind.node(inner), close + delimiter.len()))
    }

    fn code(&self, at: usize, end: usize) -> Option<(Node, usize)> {
        let close = (at + 2..end).find(|&i| self.chars[i] == '`')?;
        let code: String = self.chars[at + 1..close].iter().collect();
        Some((Node::Code(code), close + 1))
    }

    fn link(&self, at: usize, start: usize, end: usize) -> Option<(Node, usize)> {
        if self.before(at, start).is_some_and(is_word) {
            return None;
        }
        let rest = &self.chars[at..end];
        let scheme = ["https://", "http://"].into_iter().find(|scheme| {
            rest.len() >= scheme.len() && rest.iter().zip(scheme.chars()).all(|(a, b)| *a == b)
        })?;
        let scheme_len = scheme.len();
        let mut stop = scheme_len;
        while stop < rest.len()
            && !matches!(rest[stop], '<' | '>' | '"' | '`')
            && !rest[stop].is_whitespace()
        {
            stop += 1;
        }
        let mut url = &rest[..stop];
        loop {
            match url.last() {
                Some('.' | ',' | ':' | ';' | '!' | '?' | '\'') => url = &url[..url.len() - 1],
                Some(')')
                    if url.iter().filter(|&&c| c == ')').count()
                        > url.iter().filter(|&&c| c == '(').count() =>
                {
                    url = &url[..url.len() - 1]
                }
                _ => break,
            }
        }
        if url.len() <= scheme_len {
            return None;
        }
        Some((Node::Link(url.iter().collect()), at + url.len()))
    }

    fn mention(&self, at: usize, start: usize, end: usize) -> Option<(Node, usize)> {
        if self
            .before(at, start)
            .is_some_and(|c| is_word(c) || matches!(c, '.' | '-' | '@'))
        {
            return None;
        }
        let mut stop = at + 1;
        while stop < end && stop - at - 1 < NAME_MAX && is_name_char(self.chars[stop]) {
            stop += 1;
        }
        while stop > at + 1 && matches!(self.chars[stop - 1], '.' | '-') {
            stop -= 1;
        }
        if stop == at + 1 {
            return None;
        }
        let name: String = self.chars[at + 1..stop].iter().collect();
        Some((Node::Mention(name), stop))
    }

    /// Where the emphasis opened by `delimiter` at `at` closes, if it does.
    fn emphasis(&self, at: usize, start: usize, end: usize, delimiter: &[char]) -> Option<usize> {
        let len = delimiter.len();
        if self.before(at, start).is_some_and(is_word) || !self.delimits(at, end, delimiter) {
            return None;
        }
        let first = *self.chars.get(at + len).filter(|_| at + len < end)?;
        if first.is_whitespace() {
            return None;
        }
        for close in at + len + 1..end {
            if self.chars[close] == '\n' {
                return None;
            }
            if self.delimits(close, end, delimiter)
                && !self.chars[close - 1].is_whitespace()
                && !(close + len < end && is_word(self.chars[close + len]))
            {
                return Some(close);
            }
        }
        None
    }

    /// Whether `delimiter` is written at `at`, whole before `end`.
    fn delimits(&self, at: usize, end: usize, delimiter: &[char]) -> bool {
        at + delimiter.len() <= end && self.chars[at..at + delimiter.len()] == *delimiter
    }
}

#[cfg(test)]
mod tests;
