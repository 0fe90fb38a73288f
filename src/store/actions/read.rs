//! Read: one item, by its id or by another property.

use super::{Reply, Target, lookup};

pub(super) async fn read(target: &Target<'_>) -> Reply {
    match lookup(target) {
        Ok(found) => Reply::Done(target.store.state.read(&target.shape(), &found).await),
        Err(reply) => reply,
    }
}
