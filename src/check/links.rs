//! Lifecycles a document declares with OpenAPI `links`: a create whose answer links to the
//! operations that read, update and delete what it made, the id taken from its body
//! (`$response.body#/id`). They complete what the sandbox's inference finds on its own.

use crate::spec::{Api, Link, ParamIn};
use crate::store::{ItemOperation, ResourceShape};
use http::Method;
use percent_encoding::percent_decode_str;

/// A resource found through links, and where the create's answer holds the id.
#[derive(Debug, Clone)]
pub struct Linked {
    pub shape: ResourceShape,
    /// JSON pointer of the id in the create's answer (`/id`, `/data/id`).
    pub id_pointer: String,
}

/// Every POST whose success answer links to a read of what it created.
pub fn shapes(api: &Api) -> Vec<Linked> {
    let mut out = Vec::new();
    for (index, op) in api.operations.iter().enumerate().filter(|(_, op)| op.method == Method::POST) {
        let success = op.responses.iter().filter(|r| r.status.is_success());
        let mut shape =
            ResourceShape { key: format!("{} (links)", op.path), create: Some(index), ..ResourceShape::default() };
        let mut id_pointer = None;
        for link in success.flat_map(|r| &r.links) {
            let Some(target) = target(api, link) else { continue };
            let Some((id, pointer)) = body_parameter(api, target, link) else { continue };
            let item = ItemOperation { operation: target, id };
            match api.operations[target].method {
                Method::GET => shape.read = shape.read.take().or(Some(item)),
                Method::PATCH => shape.update = Some(item),
                Method::PUT => shape.update = shape.update.take().or(Some(item)),
                Method::DELETE => shape.delete = shape.delete.take().or(Some(item)),
                _ => continue,
            }
            id_pointer.get_or_insert(pointer);
        }
        if let (Some(pointer), Some(_)) = (id_pointer, &shape.read) {
            shape.id_property = pointer.rsplit('/').next().unwrap_or("id").to_string();
            out.push(Linked { shape, id_pointer: pointer });
        }
    }
    out
}

/// The operation a link names, by operationId or by `operationRef` within the document.
fn target(api: &Api, link: &Link) -> Option<usize> {
    if let Some(id) = &link.operation_id {
        return api.operations.iter().position(|op| op.operation_id.as_deref() == Some(id.as_str()));
    }
    let reference = link.operation_ref.as_deref()?.strip_prefix('#')?;
    let pointer = percent_decode_str(reference).decode_utf8_lossy();
    api.operations.iter().position(|op| op.pointer == pointer)
}

/// The parameter a link fills from the answer's body: (where it goes, the body pointer).
fn body_parameter(api: &Api, target: usize, link: &Link) -> Option<((ParamIn, String), String)> {
    link.parameters.iter().find_map(|(name, value)| {
        let pointer = value.as_str()?.strip_prefix("$response.body#")?.to_string();
        let (location, name) = match name.split_once('.') {
            Some(("path", n)) => (Some(ParamIn::Path), n),
            Some(("query", n)) => (Some(ParamIn::Query), n),
            Some(("header", n)) => (Some(ParamIn::Header), n),
            _ => (None, name.as_str()),
        };
        let declared =
            api.operations[target].params.iter().find(|p| p.name == name && location.is_none_or(|l| l == p.location));
        let location = location.or(declared.map(|p| p.location))?;
        Some(((location, name.to_string()), pointer))
    })
}
