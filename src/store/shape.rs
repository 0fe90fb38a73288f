//! The sandbox's resources as others see them: which operation creates, reads, updates,
//! lists and deletes each, and where an item's id goes. `specmock check` walks these
//! lifecycles against real servers, so both agree on what a document's resources are.

use crate::spec::{Api, ParamIn};

use super::HintError;
use super::infer::{self, Action, Binding};

/// An operation on one item, and where the item's id goes in its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOperation {
    /// Index in `Api::operations`.
    pub operation: usize,
    /// (location, name) of the id in the request: a path parameter, or a header the
    /// document names with `x-specmock-resource`.
    pub id: (ParamIn, String),
}

/// One resource and the operations that act on it.
#[derive(Debug, Clone, Default)]
pub struct ResourceShape {
    /// The collection path, or the `x-specmock-resource` name.
    pub key: String,
    pub create: Option<usize>,
    pub read: Option<ItemOperation>,
    /// PATCH if documented, else PUT.
    pub update: Option<ItemOperation>,
    pub list: Option<usize>,
    pub delete: Option<ItemOperation>,
    /// The property of an item that holds its id.
    pub id_property: String,
}

/// Every resource the sandbox would keep for this document.
pub fn resources(api: &Api) -> Result<Vec<ResourceShape>, HintError> {
    let model = infer::infer(api)?;
    let mut out: Vec<ResourceShape> = model
        .resources
        .iter()
        .map(|r| ResourceShape {
            key: r.key.clone(),
            id_property: r.id_field.clone().unwrap_or_else(|_| "id".into()),
            ..ResourceShape::default()
        })
        .collect();
    for (index, binding) in model.bindings.iter().enumerate() {
        let Some(Binding { resource, action, id, by }) = binding else { continue };
        let shape = &mut out[*resource];
        // Lookups by another property (`by`) do not take the id.
        let item = || match (id, by) {
            (Some(id), None) => Some(ItemOperation { operation: index, id: (id.location, id.name.clone()) }),
            _ => None,
        };
        match action {
            Action::Create => shape.create = shape.create.or(Some(index)),
            Action::List => shape.list = shape.list.or(Some(index)),
            Action::Read => shape.read = shape.read.take().or_else(item),
            Action::Update => {
                // PATCH wins over PUT: it changes what it is given and keeps the rest.
                if let Some(item) = item() {
                    shape.update = Some(item);
                }
            }
            Action::Replace => shape.update = shape.update.take().or_else(item),
            Action::Delete => shape.delete = shape.delete.take().or_else(item),
        }
    }
    Ok(out)
}
