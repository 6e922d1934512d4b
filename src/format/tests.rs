use super::html::{Mentions, render};
use super::*;

#[derive(serde::Deserialize)]
struct Case {
    text: String,
    nodes: Vec<serde_json::Value>,
}

fn corpus() -> Vec<Case> {
    serde_json::from_str(include_str!("../../tests/format/corpus.json")).expect("corpus")
}

#[test]
fn the_shared_corpus_parses_as_written() {
    for case in corpus() {
        let nodes = serde_json::to_value(parse(&case.text)).unwrap();
        assert_eq!(
            nodes,
            serde_json::Value::Array(case.nodes),
            "{:?}",
            case.text
        );
    }
}

/// Every tag the renderer may write, opening or closing.
const ALLOWED: [&str; 7] = ["a", "code", "pre", "strong", "em", "del", "span"];

/// Checks that `html` holds only the renderer's own elements and attributes: each `<` opens
/// or closes an allowed tag whose attributes are the renderer's.
fn assert_only_own_markup(html: &str, from: &str) {
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after
            .find('>')
            .unwrap_or_else(|| panic!("unclosed tag in {html:?}"));
        let tag = &after[..close];
        let body = tag.trim_start_matches('/');
        let name = body.split(' ').next().unwrap();
        assert!(
            ALLOWED.contains(&name),
            "tag {name:?} from {from:?}: {html}"
        );
        // Attributes are `key="value"`; maud escapes any `"` inside a value.
        let mut attributes = &body[name.len()..];
        while let Some(eq) = attributes.find('=') {
            let key = attributes[..eq].trim();
            let value_and_rest = attributes[eq + 1..].strip_prefix('"').expect("quoted");
            let end = value_and_rest.find('"').expect("closing quote");
            let value = &value_and_rest[..end];
            assert!(
                ["href", "rel", "target", "class"].contains(&key),
                "attribute {key:?} from {from:?}: {html}"
            );
            if key == "href" {
                assert!(
                    value.starts_with("https://") || value.starts_with("http://"),
                    "href {value:?} from {from:?}"
                );
            }
            attributes = &value_and_rest[end + 1..];
        }
        assert!(
            attributes.trim().is_empty(),
            "stray {attributes:?} in {html}"
        );
        rest = &after[close + 1..];
    }
}

#[test]
fn no_html_from_user_text_through_any_construct() {
    let names = vec!["alice".to_owned(), "bob".to_owned()];
    let mentions = Mentions {
        names: &names,
        everyone: Some("here"),
        me: "alice",
    };
    for case in corpus() {
        let html = render(&case.text, &mentions).into_string();
        assert_only_own_markup(&html, &case.text);
    }
    let payloads = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "javascript:alert(1)",
        "' onmouseover='alert(1)",
        "&lt;script&gt;",
    ];
    for payload in payloads {
        for wrap in [
            "{}",
            "*{}*",
            "_{}_",
            "**{}**",
            "~~{}~~",
            "`{}`",
            "```\n{}\n```",
            "https://x.io/{}",
            "@alice{}",
            "@{}",
            "*_`{}`_*",
        ] {
            let text = wrap.replace("{}", payload);
            let html = render(&text, &mentions).into_string();
            assert_only_own_markup(&html, &text);
            assert!(!html.contains("<script"), "{html}");
            assert!(!html.contains("<img"), "{html}");
        }
    }
}

#[test]
fn links_open_apart_and_tell_nothing() {
    let html = render(
        "go https://x.io/a?b=1&c=2",
        &Mentions {
            names: &[],
            everyone: None,
            me: "me",
        },
    )
    .into_string();
    assert_eq!(
        html,
        r#"go <a href="https://x.io/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">https://x.io/a?b=1&amp;c=2</a>"#
    );
}

#[test]
fn only_recognised_mentions_are_highlighted_and_the_readers_own_stand_out() {
    let names = vec!["alice".to_owned(), "bob".to_owned()];
    let mentions = Mentions {
        names: &names,
        everyone: None,
        me: "bob",
    };
    let html = render("@Alice @bob @carol @here", &mentions).into_string();
    assert_eq!(
        html,
        r#"<span class="mention">@Alice</span> <span class="mention mention-me">@bob</span> @carol @here"#
    );
}

#[test]
fn mentions_are_read_outside_code_once_each_in_lower_case() {
    assert_eq!(
        mentioned("@Alice hi @bob, `@carol` @ALICE\n```\n@dave\n```\n*@erin*"),
        ["alice", "bob", "erin"]
    );
    assert!(mentioned("mail bob@example.com").is_empty());
}

#[test]
fn an_excerpt_folds_white_space_and_stops_at_its_length() {
    assert_eq!(excerpt("  two\n\nlines\t here "), "two lines here");
    let exact = "é".repeat(EXCERPT_MAX);
    assert_eq!(excerpt(&exact), exact, "as long as allowed: whole");
    let long = format!("{exact}!");
    let cut = excerpt(&long);
    assert_eq!(cut.chars().count(), EXCERPT_MAX);
    assert!(cut.ends_with("é…"), "{cut}");
}
