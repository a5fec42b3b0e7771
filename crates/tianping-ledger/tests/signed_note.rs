//! Interoperability of the signed checkpoints with the C2SP signed-note reference and spec
//! examples (tests/vectors/signed-note.toml, with their sources).
#![allow(clippy::unwrap_used)]

use tianping_ledger::{LogKey, VerifierKey};

fn vectors() -> toml::Table {
    toml::from_str(include_str!("vectors/signed-note.toml")).unwrap()
}

fn get<'a>(t: &'a toml::Table, section: &str, key: &str) -> &'a str {
    t[section][key].as_str().unwrap()
}

#[test]
fn the_go_reference_note_is_reproduced_and_opens() {
    let v = vectors();
    let signer = LogKey::parse_private(get(&v, "go", "signer")).unwrap();
    assert_eq!(signer.verifier().to_text(), get(&v, "go", "verifier"));
    assert_eq!(
        signer.sign_text(get(&v, "go", "text")),
        get(&v, "go", "note")
    );
    let verifier = VerifierKey::parse(get(&v, "go", "verifier")).unwrap();
    assert_eq!(
        verifier.open_text(get(&v, "go", "note")).unwrap(),
        get(&v, "go", "text")
    );
    // One changed letter in the text: refused.
    let forged = get(&v, "go", "note").replacen("answer", "Answer", 1);
    assert!(verifier.open_text(&forged).is_err());
}

#[test]
fn the_spec_example_opens_and_keys_with_a_plus_parse() {
    let v = vectors();
    let verifier = VerifierKey::parse(get(&v, "spec", "verifier")).unwrap();
    assert_eq!(verifier.to_text(), get(&v, "spec", "verifier"));
    assert_eq!(
        verifier.open_text(get(&v, "spec", "note")).unwrap(),
        get(&v, "spec", "text")
    );
    // Another key's note is not "signed by" this one.
    let go = VerifierKey::parse(get(&v, "go", "verifier")).unwrap();
    assert!(go.open_text(get(&v, "spec", "note")).is_err());
    let plus = VerifierKey::parse(get(&v, "plus", "verifier")).unwrap();
    assert_eq!(plus.to_text(), get(&v, "plus", "verifier"));
}
