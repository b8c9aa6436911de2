use super::*;

#[test]
fn one_emoji_is_accepted_in_its_qualified_form() {
    assert_eq!(Emoji::parse("👍").unwrap().as_str(), "👍");
    assert_eq!(Emoji::parse(" 🎉 ").unwrap().as_str(), "🎉");
    assert_eq!(
        Emoji::parse("❤").unwrap().as_str(),
        "❤️",
        "one heart, qualified or not"
    );
    assert_eq!(Emoji::parse("❤️").unwrap().as_str(), "❤️");
    assert_eq!(Emoji::parse("👍🏽").unwrap().as_str(), "👍🏽", "a skin tone");
    assert_eq!(Emoji::parse("👨‍👩‍👧").unwrap().as_str(), "👨‍👩‍👧", "a ZWJ family");
    assert_eq!(Emoji::parse("🇫🇷").unwrap().as_str(), "🇫🇷", "a flag");
    for quick in QUICK_REACTIONS {
        assert_eq!(Emoji::parse(quick).unwrap().as_str(), quick);
    }
}

#[test]
fn anything_but_one_emoji_is_refused() {
    assert_eq!(Emoji::parse(""), Err(ReactionError::Empty));
    assert_eq!(Emoji::parse("  "), Err(ReactionError::Empty));
    for bad in [
        "a",
        "ok",
        "👍👍",
        "👍 🎉",
        "👍a",
        "\u{7}",
        "👍\u{0}",
        "<b>",
        "\u{200d}",
        "1",
        "🇫",
        &"👍".repeat(40),
    ] {
        assert_eq!(
            Emoji::parse(bad),
            Err(ReactionError::NotOneEmoji),
            "{bad:?}"
        );
    }
}

#[test]
fn changes_are_sets_so_applying_twice_is_applying_once() {
    let mut r = Vec::new();
    assert!(apply(&mut r, "👍", "ann", true));
    assert!(!apply(&mut r, "👍", "ann", true), "a replay");
    assert!(apply(&mut r, "👍", "bob", true));
    assert!(apply(&mut r, "🎉", "ann", true));
    assert_eq!(
        r,
        vec![
            Reaction {
                emoji: "👍".into(),
                accounts: vec!["ann".into(), "bob".into()]
            },
            Reaction {
                emoji: "🎉".into(),
                accounts: vec!["ann".into()]
            },
        ]
    );
    assert!(apply(&mut r, "👍", "bob", false));
    assert!(!apply(&mut r, "👍", "bob", false), "a replay");
    assert_eq!(r[0].accounts, ["ann"]);
    assert!(!apply(&mut r, "😮", "bob", false), "never there");
    assert!(apply(&mut r, "🎉", "ann", false));
    assert_eq!(r.len(), 1, "nobody holds 🎉: it is gone");
}

#[test]
fn a_message_holds_at_most_max_distinct_emoji() {
    let mut r = Vec::new();
    let all: Vec<&str> = emojis::iter()
        .take(MAX_REACTIONS + 1)
        .map(|e| e.as_str())
        .collect();
    for emoji in &all[..MAX_REACTIONS] {
        assert!(apply(&mut r, emoji, "ann", true));
    }
    assert!(
        !apply(&mut r, all[MAX_REACTIONS], "ann", true),
        "one too many"
    );
    assert!(
        apply(&mut r, all[0], "bob", true),
        "an emoji already there still takes more"
    );
    assert_eq!(r.len(), MAX_REACTIONS);
}
