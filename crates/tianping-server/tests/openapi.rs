//! The OpenAPI document: served to a logged-in user, valid OpenAPI 3.1 by an independent validator
//! (`openapi-spec-validator` from PyPI, installed by `scripts/install-test-deps.sh`), every
//! operation with its error responses, and the Swagger UI that reads it.

mod common;
use common::*;
use std::process::Command;

async fn served_document() -> (Value, Router, TestDb) {
    let db = TestDb::sqlite().await.expect("sqlite");
    let s = &db.store;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(s, "judge", "sc-court", Role::Judge, Clearance::default()).await;
    let app = app(s, Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap());
    let anon = Client::anonymous(&app);
    let r = anon.get("/api/v1/openapi.json").await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "the document is for users"
    );
    let c = Client::as_user(&app, "judge").await;
    let r = c.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (r.json(), app, db)
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let (doc, _, _db) = served_document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    let dir = std::env::temp_dir().join(format!("tianping-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("openapi.json");
    std::fs::write(&file, doc.to_string()).expect("write document");
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 runs");
    std::fs::remove_dir_all(&dir).ok();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("No module named"),
        "openapi-spec-validator is not installed (scripts/install-test-deps.sh): {text}"
    );
    assert!(out.status.success(), "the document is not valid: {text}");
}

#[tokio::test]
async fn every_operation_has_its_types_and_error_codes() {
    let (doc, _, _db) = served_document().await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut n = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            n += 1;
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.contains_key("500") && responses.contains_key("429"),
                "{method} {path}: every operation can be rate limited or fail"
            );
            if op["security"] != serde_json::json!([]) {
                let unauth = &responses["401"]["description"];
                assert!(
                    unauth
                        .as_str()
                        .is_some_and(|d| d.contains("unauthenticated")),
                    "{method} {path}: 401 names its codes: {unauth}"
                );
            }
            for (status, r) in responses {
                if status.starts_with('2') {
                    continue;
                }
                assert_eq!(
                    r["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{method} {path} {status}"
                );
            }
            // Writes that take a body say what it is.
            let without_body = [
                "/api/v1/me/totp/enrol",
                "/api/v1/admin/users/{username}/disable",
                "/api/v1/admin/users/{username}/enable",
                "/api/v1/admin/users/{username}/totp-reset",
                "/api/v1/admin/users/{username}/unlock",
                "/api/v1/admin/system-clients/{id}/revoke",
            ];
            if method == "post" && !path.ends_with("/ack") && !without_body.contains(&path.as_str())
            {
                assert!(
                    op["requestBody"]["content"].is_object(),
                    "{method} {path} has no request body"
                );
            }
        }
    }
    assert!(n >= 63, "only {n} operations");
    // Types come from the Rust structs: a request body's fields are there with their names.
    let flag = &doc["components"]["schemas"]["FlagInput"]["properties"];
    assert!(
        flag["situation"].is_object() && flag["reason"].is_object(),
        "{flag}"
    );
    let case = &doc["components"]["schemas"]["CaseDetail"]["properties"];
    assert!(
        case["events"].is_object() && case["parties"].is_object(),
        "{case}"
    );
    let list = &doc["paths"]["/api/v1/cases"]["get"]["parameters"];
    assert!(
        list.as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "case_number")),
        "the case list's query parameters: {list}"
    );
    // The error body lists every code of the API.
    let codes =
        &doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"];
    assert!(
        codes
            .as_array()
            .is_some_and(|c| c.len() == tianping_server::error::Code::ALL.len()),
        "{codes}"
    );
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let (_, app, _db) = served_document().await;
    let anon = Client::anonymous(&app);
    let r = anon.get("/api/docs/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("swagger-ui"), "{}", r.body);
    let init = anon.get("/api/docs/swagger-initializer.js").await;
    assert_eq!(init.status, StatusCode::OK);
    assert!(
        init.body.contains("/api/v1/openapi.json"),
        "the UI reads this server's document: {}",
        init.body
    );
    let missing = anon.get("/api/docs/no-such-file.js").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// What the framework would answer in plain text reaches API clients as the JSON error envelope,
/// with a stable code (the document promises JSON for every status).
#[tokio::test]
async fn framework_rejections_are_json_errors() {
    let (_, app, _db) = served_document().await;
    let c = Client::as_user(&app, "judge").await;
    for (uri, status, code) in [
        (
            "/api/v1/ledger/leaves/abc/proof",
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            "/api/v1/ledger/leaves/0/proof?size=x",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/no-such-operation",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ] {
        let r = c.get(uri).await;
        assert_eq!(r.status, status, "{uri}: {}", r.body);
        assert_eq!(r.code(), code, "{uri}: {}", r.body);
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_ascii()),
            "{uri}: the message is Chinese: {}",
            r.body
        );
    }
    let r = c.send("PUT", "/api/v1/cases", None, true, "").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{}", r.body);
    assert_eq!(r.code(), "method_not_allowed");
}
