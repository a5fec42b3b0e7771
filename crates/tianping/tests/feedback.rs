//! `tianping feedback verify`: anyone holding the court's verifier key checks a rating token — or
//! the URL its QR code carries — offline; an altered, foreign or expired one is refused (exit 4).

mod common;
use common::{ok, run, tianping};
use tianping_ledger::{LogKey, Scope, Token};

#[test]
fn rating_tokens_are_checked_offline_with_the_courts_key() {
    let dir = std::env::temp_dir().join(format!("tp_feedback_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let key_file = dir.join("feedback.key");
    let with_key = |c: &mut std::process::Command| {
        c.env("TIANPING_FEEDBACK_KEY", &key_file)
            .env("TIANPING_LEDGER_KEY", dir.join("ledger.key"))
            .env("TIANPING_LEDGER_ORIGIN", "court.test/ledger");
    };
    let mut c = tianping();
    with_key(&mut c);
    let verifier = ok(c.args(["feedback", "key"])).trim().to_string();
    assert!(
        verifier.starts_with("court.test/ledger/feedback+"),
        "{verifier}"
    );
    // The ledger's own key is another key: a token is never checked against it.
    let mut c = tianping();
    with_key(&mut c);
    let ledger_verifier = ok(c.args(["ledger", "key"])).trim().to_string();
    assert_ne!(ledger_verifier, verifier);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the signing key is private");
    }
    let key = LogKey::parse_private(&std::fs::read_to_string(&key_file).expect("key"))
        .expect("the ledger key");
    let now = chrono::Utc::now().timestamp();
    let token = key.sign_token(&Token {
        id: *b"case-7-party-2..",
        scope: Scope::CaseParty,
        expires: now + 86_400,
    });

    // With the configured key, and with only the published verifier key, token or URL.
    let mut c = tianping();
    with_key(&mut c);
    let out = ok(c.args(["feedback", "verify", &token]));
    assert!(
        out.starts_with("OK: signed by court.test/ledger/feedback; scope=case_party"),
        "{out}"
    );
    let url = format!("https://court.test/r/{token}");
    let out = ok(tianping().args(["feedback", "verify", &url, "--verifier", &verifier]));
    assert!(out.contains("id=636173652d372d70617274792d322e2e"), "{out}");

    // One character changed anywhere in the signed part: refused.
    let mut altered: Vec<char> = token.chars().collect();
    altered[20] = if altered[20] == 'A' { 'B' } else { 'A' };
    let altered: String = altered.into_iter().collect();
    let (code, _, err) =
        run(tianping().args(["feedback", "verify", &altered, "--verifier", &verifier]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("REFUSED"), "{err}");

    let (code, _, err) =
        run(tianping().args(["feedback", "verify", &token, "--verifier", &ledger_verifier]));
    assert_eq!(
        code, 4,
        "the ledger's key does not vouch for a token: {err}"
    );

    // Another court's key, and an expired token.
    let other = LogKey::from_seed("other.test/ledger", [9; 32]).expect("key");
    let foreign = other.sign_token(&Token {
        id: [1; 16],
        scope: Scope::Window,
        expires: now + 86_400,
    });
    let (code, _, err) =
        run(tianping().args(["feedback", "verify", &foreign, "--verifier", &verifier]));
    assert_eq!(code, 4);
    assert!(err.contains("another key"), "{err}");
    let expired = key.sign_token(&Token {
        id: [2; 16],
        scope: Scope::Window,
        expires: now - 60,
    });
    let (code, _, err) =
        run(tianping().args(["feedback", "verify", &expired, "--verifier", &verifier]));
    assert_eq!(code, 4);
    assert!(err.contains("expired"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
