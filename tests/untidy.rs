//! Documents are not always tidy, and a mock must still serve them: what the loader accepts
//! with a warning (tests/data/untidy.yaml), and that the warning is shown.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::{Answer, assert_conforms, client, data, start};
use serde_json::json;

#[test]
fn each_kind_of_untidiness_is_one_warning_naming_its_first_place() {
    // `routes` (like serve, check and validate) prints them, once each.
    let file = data("untidy.yaml");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_specmock")).args(["routes", &file]).output().unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warnings: Vec<&str> = stderr.lines().filter_map(|l| l.strip_prefix("warning: ")).collect();
    assert_eq!(warnings.len(), 3, "{stderr}");
    let warnings = warnings.join("\n");
    assert!(
        warnings.contains(&format!(
            "{file}: #/components/schemas/Thing/required: duplicate entries in `required` are read once"
        )),
        "{warnings}"
    );
    assert!(
        warnings.contains(&format!(
            "{file}: #/components/schemas/Thing/properties/owner: `nullable: true` beside `$ref` is honoured"
        )),
        "{warnings}"
    );
    assert!(
        warnings.contains(&format!(
            "{file}: #/components/schemas/Thing/properties/note/nullable: `nullable` is not an OpenAPI 3.1 keyword"
        )),
        "{warnings}"
    );
}

#[tokio::test]
async fn untidy_schemas_are_served_as_their_authors_mean_them() {
    let server = start(&[&data("untidy.yaml")], |b| b).await;
    // Generated answers satisfy the schema (duplicates in `required` do not trip the generator).
    for seed in 0..30 {
        let answer = Answer::of(client().get(server.url("/things")).header("Prefer", format!("seed={seed}"))).await;
        assert_eq!(answer.status, 200, "seed {seed}: {}", String::from_utf8_lossy(&answer.body));
        assert_conforms(&server, "GET", "/things", &answer);
    }
    let post = |body: serde_json::Value| client().post(server.url("/things")).json(&body);
    for accepted in [
        json!({"id": "1", "name": "a", "owner": null, "note": null}),
        json!({"id": "1", "name": "a", "owner": {"login": "x"}}),
    ] {
        assert_eq!(Answer::of(post(accepted.clone())).await.status, 201, "{accepted}");
    }
    for refused in
        [json!({"id": "1", "name": "a", "owner": 5}), json!({"id": "1"}), json!({"id": "1", "name": "a", "owner": {}})]
    {
        assert_eq!(Answer::of(post(refused.clone())).await.status, 422, "{refused}");
    }
    server.stop().await;
}
