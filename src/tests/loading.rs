//! What the loader makes of documents: the vendors' files, Swagger 2.0, untidy schemas,
//! documents fetched from URLs.

use super::common::{data, shared_dir};
use crate::spec::{ParamIn, SchemeKind};

/// Operation counts from ../shared/vendor-specs/SOURCES.md.
const VENDOR_FILES: &[(&str, usize)] = &[
    ("clerk/bapi/2026-05-12.yml", 249),
    ("clerk/bapi/2025-11-10.yml", 239),
    ("clerk/fapi/2026-05-12.yml", 202),
    ("clerk/fapi/2025-11-10.yml", 192),
    ("straddle/spec.json", 70),
    ("scalekit/scalekit.scalar.yaml", 111),
    ("scalekit/scalekit.scalar.json", 111),
];

#[test]
fn every_openapi3_vendor_file_loads_with_its_documented_operation_count() {
    let Some(shared) = shared_dir() else {
        eprintln!("skipped: ../shared/vendor-specs is not beside this checkout");
        return;
    };
    for (file, expected) in VENDOR_FILES {
        let path = shared.join("vendor-specs").join(file);
        let api = specmock::spec::load_file(&path).unwrap_or_else(|e| panic!("{file} does not load: {e}"));
        assert_eq!(api.operations.len(), *expected, "{file}: operation count");
    }
}

#[test]
fn builtin_documents_load() {
    for builtin in specmock::spec::BUILTINS {
        let api = builtin.load().unwrap_or_else(|e| panic!("{}: {e}", builtin.name));
        assert!(!api.operations.is_empty());
        assert!(api.error_template.is_some(), "{} has an x-specmock-error template", builtin.name);
    }
}

#[test]
fn the_document_is_read_into_the_same_model() {
    let api = specmock::spec::load_file(data("swagger2/shop.yaml").as_ref()).unwrap();
    assert_eq!(api.version_name(), "Swagger 2.0");
    assert_eq!(api.operations.len(), 6);
    // host + basePath + schemes → a server whose path is the base path.
    assert_eq!(api.base_paths, vec!["/v2".to_string()]);
    let kinds: Vec<(&str, &SchemeKind)> = api.security_schemes.iter().map(|s| (s.name.as_str(), &s.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            ("basic", &SchemeKind::Basic),
            ("key", &SchemeKind::ApiKey { location: ParamIn::Header, name: "X-API-Key".into() }),
            ("oauth", &SchemeKind::OAuth2),
        ]
    );
    let create = api.operations.iter().find(|o| o.operation_id.as_deref() == Some("createItem")).unwrap();
    let body = create.body.as_ref().expect("in: body became a request body");
    assert!(body.required);
    assert_eq!(body.content.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["application/json"]);
    // Path-level parameters (here a $ref to #/parameters) reach every operation of the path.
    assert!(create.params.iter().any(|p| p.name == "X-Trace" && p.location == ParamIn::Header));
    assert!(api.warnings.is_empty(), "{:?}", api.warnings);
}
