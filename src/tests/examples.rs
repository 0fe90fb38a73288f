//! Every error example the built-ins document is reachable with `Prefer`: the walk reads
//! the examples from the compiled model and asks the mock for each.

use super::common::{Answer, client, start};

const TOKEN: &str = "Bearer test-token";

#[tokio::test]
async fn every_documented_error_example_of_the_builtins_is_reachable_with_prefer() {
    let server = start(&[], |b| b).await;
    let (mounts, _) = crate::mounts::mounts_and_paths(&[], &[]).unwrap();
    let mut reached = 0;
    for mount in &mounts {
        for op in &mount.api.operations {
            for response in &op.responses {
                let status = response.status.code().as_u16();
                for media in &response.content {
                    for example in &media.examples {
                        let path = format!("{}{}", mount.prefix, concrete_path(&mount.name, &op.path));
                        let mut request = client()
                            .request(op.method.as_str().parse().unwrap(), server.url(&path))
                            .header("Authorization", TOKEN)
                            .header("Prefer", format!("code={status}, example={}", example.name));
                        if op.body.is_some() {
                            request = request
                                .header("Content-Type", "application/json")
                                .body(valid_body(&mount.name, &op.path));
                        }
                        for p in op.params.iter().filter(|p| p.required && p.location == crate::spec::ParamIn::Header) {
                            request = request.header(p.name.as_str(), "69629023906488334");
                        }
                        let answer = Answer::of(request).await;
                        assert_eq!(
                            answer.status,
                            status,
                            "{} {path} Prefer code={status}: {}",
                            op.method,
                            String::from_utf8_lossy(&answer.body)
                        );
                        assert_eq!(answer.body, example.bytes, "{} {path} {status} {}", op.method, example.name);
                        reached += 1;
                    }
                }
            }
        }
    }
    assert!(reached > 50, "only {reached} examples");
    server.stop().await;
}

fn concrete_path(style: &str, template: &str) -> String {
    let organization_id = if style == "straddle" { "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e" } else { "org_1" };
    let id = if style == "zitadel" { "69629026806489455" } else { "org_2123312131125533" };
    template.replace("{id}", id).replace("{organization_id}", organization_id).replace("{external_id}", "ext")
}

fn valid_body(style: &str, path: &str) -> &'static str {
    match (style, path.contains("_search")) {
        ("scalekit", _) => r#"{"display_name":"Acme Corp"}"#,
        ("zitadel", true) => r#"{"query":{"limit":10}}"#,
        _ => r#"{"name":"Acme Inc"}"#,
    }
}
