//! XML bodies: answers written as XML the way the schema's `xml` objects say, XML
//! requests read back and judged by the same validator as JSON.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::{Answer, assert_conforms, client, data, start};

fn text(answer: &Answer) -> String {
    String::from_utf8_lossy(&answer.body).into_owned()
}

#[tokio::test]
async fn object_examples_are_written_as_xml_named_by_the_schema() {
    let server = start(&[&data("xml.yaml")], |b| b).await;
    let body = "<pet id=\"1\"><petName>Rex</petName></pet>";
    let answer =
        Answer::of(client().post(server.url("/pets")).header("content-type", "application/xml").body(body)).await;
    assert_eq!(answer.status, 201, "{}", text(&answer));
    assert_eq!(answer.header("content-type"), Some("application/xml"));
    assert_eq!(
        text(&answer),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <p:pet xmlns:p=\"https://pets.example/ns\" id=\"7\"><petName>Rex</petName>\
         <tags><tag>good</tag><tag>loud</tag></tags><photoUrl>https://x.example/1.png</photoUrl></p:pet>"
    );
    assert_conforms(&server, "POST", "/pets", &answer);
    server.stop().await;
}

#[tokio::test]
async fn string_examples_are_sent_as_they_are() {
    let server = start(&[&data("xml.yaml")], |b| b).await;
    let answer = Answer::of(client().get(server.url("/projects"))).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("text/xml"));
    assert_eq!(text(&answer), "<project><name>specmock</name></project>");
    // A generated string is not XML text: it goes in an element.
    let answer = Answer::of(client().get(server.url("/motd"))).await;
    assert_eq!(text(&answer), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><root>hello</root>");
    assert_conforms(&server, "GET", "/motd", &answer);
    server.stop().await;
}

#[tokio::test]
async fn generated_values_are_xml_that_validates_for_every_seed() {
    let server = start(&[&data("xml.yaml")], |b| b).await;
    for seed in 0..40 {
        for path in ["/pets/3", "/pets"] {
            let answer = Answer::of(client().get(server.url(path)).header("prefer", format!("seed={seed}"))).await;
            assert_eq!(answer.status, 200, "{path}: {}", text(&answer));
            let body = text(&answer);
            assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{body}");
            assert!(!body.contains('{'), "JSON labelled XML: {body}");
            let root = if path == "/pets" { "<pets" } else { "<p:pet xmlns:p=\"https://pets.example/ns\" id=\"" };
            assert!(body.contains(root), "{path}: {body}");
            let method = "GET";
            assert_conforms(&server, method, path, &answer);
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn accept_chooses_between_xml_and_json_and_namespaces_are_declared() {
    let server = start(&[&data("xml.yaml")], |b| b).await;
    let xml = Answer::of(client().get(server.url("/feed")).header("accept", "application/atom+xml")).await;
    assert_eq!(xml.header("content-type"), Some("application/atom+xml"));
    assert_eq!(
        text(&xml),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Pets</title></feed>"
    );
    assert_conforms(&server, "GET", "/feed", &xml);
    let json = Answer::of(client().get(server.url("/feed"))).await;
    assert_eq!(json.header("content-type"), Some("application/json"));
    server.stop().await;
}

#[tokio::test]
async fn xml_requests_are_judged_by_element_and_attribute_names() {
    let server = start(&[&data("xml.yaml")], |b| b).await;
    let post = |body: &'static str| {
        Answer::of(client().post(server.url("/pets")).header("content-type", "application/xml").body(body))
    };
    // A namespace prefix, wrapped and unwrapped arrays, an enum: all as documented.
    let good = post(
        "<?xml version=\"1.0\"?><p:pet xmlns:p=\"https://pets.example/ns\" id=\"12\"><petName>Rex &amp; co</petName>\
         <tags><tag>a</tag><tag>b</tag></tags><photoUrl>u1</photoUrl><photoUrl>u2</photoUrl><status>sold</status></p:pet>",
    )
    .await;
    assert_eq!(good.status, 201, "{}", text(&good));

    let cases: &[(&str, &str)] = &[
        // `name` is written <petName>: a <name> element does not count.
        ("<pet id=\"1\"><name>Rex</name></pet>", "name"),
        // `id` is an attribute, and an integer.
        ("<pet id=\"one\"><petName>Rex</petName></pet>", "id"),
        ("<pet id=\"1\"><petName>Rex</petName><status>lost</status></pet>", "status"),
    ];
    for (body, field) in cases {
        let answer = post(body).await;
        assert_eq!(answer.status, 422, "{body}: {}", text(&answer));
        let violations = answer.header("specmock-violations").unwrap_or_default().to_string();
        assert!(violations.contains(&format!("\"field\":\"{field}\"")), "{body}: {violations}");
    }

    // Text where an object belongs is not an empty object (Schemathesis sends `<note>true</note>`);
    // an empty element is one, with every property optional.
    let note = |body: &'static str| {
        Answer::of(client().post(server.url("/notes")).header("content-type", "application/xml").body(body))
    };
    let text_only = note("<note>true</note>").await;
    assert_eq!(text_only.status, 422, "{}", text(&text_only));
    assert_eq!(note("<note/>").await.status, 201);
    assert_eq!(note("<note><text>true</text></note>").await.status, 201);

    for body in ["<pet id=\"1\"><petName>Rex</pet>", "<pet/><pet/>", "not xml at all", "<pet>&nope;</pet>"] {
        let answer = post(body).await;
        assert_eq!(answer.status, 422, "{body}: {}", text(&answer));
        let violations = answer.header("specmock-violations").unwrap_or_default().to_string();
        assert!(violations.contains("\"keyword\":\"parse\""), "{body}: {violations}");
    }
    server.stop().await;
}
