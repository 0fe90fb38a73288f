//! Which webhooks a sandbox write fires. In order of precedence: the operation's
//! `x-specmock-event` (webhook names); webhooks whose `x-specmock-event` names the write
//! (`organization.created`, `/v1/organizations.created`, `created`); webhooks whose name says it
//! (`organization.created`, `account.created.v1`, `organizations_created`,
//! `OrganizationCreated`, `organization.create`), and for updates, a resource's catch-all
//! `.event` webhook (`account.event.v1`) when it has no update webhook of its own.

use crate::spec::{Api, Webhook};
use crate::store::{Change, ResourceOperation};

/// Indexes into `api.webhooks.webhooks` that `op`'s success fires.
pub fn fired(api: &Api, op: &ResourceOperation) -> Vec<usize> {
    let Some(change) = op.change else { return Vec::new() };
    let webhooks = &api.webhooks.webhooks;
    let declared = &api.operations[op.at.index].hooks.events;
    if !declared.is_empty() {
        return indexes(webhooks, |w| declared.contains(&w.name));
    }
    let tagged = indexes(webhooks, |w| w.events.iter().any(|e| names_write(e, op, change)));
    if !tagged.is_empty() {
        return tagged;
    }
    let noun = tokens(&op.noun);
    let named = indexes(webhooks, |w| w.events.is_empty() && names_change(&tokens(&w.name), &noun, change));
    if !named.is_empty() || change != Change::Updated {
        return named;
    }
    indexes(webhooks, |w| w.events.is_empty() && catch_all(&tokens(&w.name), &noun))
}

fn indexes(webhooks: &[Webhook], keep: impl Fn(&Webhook) -> bool) -> Vec<usize> {
    webhooks.iter().enumerate().filter(|(_, w)| keep(w)).map(|(i, _)| i).collect()
}

/// `x-specmock-event: [RESOURCE.]ACTION`, RESOURCE being the noun, the collection path or
/// the sandbox's resource name.
fn names_write(event: &str, op: &ResourceOperation, change: Change) -> bool {
    let (resource, action) = match event.rsplit_once('.') {
        Some((resource, action)) => (Some(resource), action),
        None => (None, event),
    };
    if !action.eq_ignore_ascii_case(change.as_str()) {
        return false;
    }
    let Some(resource) = resource else { return true };
    let collection = op.key.split_once(':').map(|(_, k)| k).unwrap_or(&op.key);
    resource.eq_ignore_ascii_case(&op.noun) || resource == collection || resource == op.key
}

/// Words of a name: split at punctuation and camelCase, lower-cased, a trailing version
/// (`v1`) and a trailing `event`/`webhook` after two words dropped.
pub fn tokens(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    if out.last().is_some_and(|t| is_version(t)) {
        out.pop();
    }
    if out.len() > 2 && out.last().is_some_and(|t| t == "event" || t == "webhook") {
        out.pop();
    }
    out
}

fn is_version(token: &str) -> bool {
    token.strip_prefix('v').is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn verbs(change: Change) -> &'static [&'static str] {
    match change {
        Change::Created => &["created", "create", "added", "add", "new", "inserted"],
        Change::Updated => &["updated", "update", "changed", "change", "modified", "edited", "patched"],
        Change::Deleted => &["deleted", "delete", "removed", "remove", "destroyed"],
    }
}

/// `organization created`, `organizations created` or `created organization`.
fn names_change(name: &[String], noun: &[String], change: Change) -> bool {
    let Some((verb_last, rest)) = name.split_last() else { return false };
    if verbs(change).contains(&verb_last.as_str()) && is_noun(rest, noun) {
        return true;
    }
    let Some((verb_first, rest)) = name.split_first() else { return false };
    verbs(change).contains(&verb_first.as_str()) && is_noun(rest, noun)
}

/// `account event`: every change to the resource.
fn catch_all(name: &[String], noun: &[String]) -> bool {
    name.split_last().is_some_and(|(last, rest)| last == "event" && is_noun(rest, noun))
}

fn is_noun(words: &[String], noun: &[String]) -> bool {
    if words == noun {
        return true;
    }
    // The plural: `organizations`, `entries`.
    match (words.split_last(), noun.split_last()) {
        (Some((w, wr)), Some((n, nr))) if wr == nr => {
            *w == format!("{n}s") || n.strip_suffix('y').is_some_and(|stem| *w == format!("{stem}ies"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str, noun: &str, change: Change) -> bool {
        names_change(&tokens(name), &tokens(noun), change)
    }

    #[test]
    fn x_specmock_event_names_the_resource_by_noun_path_or_key() {
        let op = ResourceOperation {
            at: crate::route::OperationRef { mount: 0, index: 0 },
            change: Some(Change::Created),
            noun: "organization".into(),
            key: "clerk:/v1/organizations".into(),
            id_field: "id".into(),
            fields: Vec::new(),
        };
        for event in ["created", "organization.created", "/v1/organizations.created", "clerk:/v1/organizations.created"]
        {
            assert!(names_write(event, &op, Change::Created), "{event}");
        }
        for event in ["deleted", "organization.deleted", "user.created", "/v1/users.created"] {
            assert!(!names_write(event, &op, Change::Created), "{event}");
        }
    }

    #[test]
    fn names_are_split_into_words() {
        assert_eq!(tokens("organization.created"), ["organization", "created"]);
        assert_eq!(tokens("account.created.v1"), ["account", "created"]);
        assert_eq!(tokens("OrganizationCreated"), ["organization", "created"]);
        assert_eq!(tokens("organizationCreatedEvent"), ["organization", "created"]);
        assert_eq!(tokens("linked_bank_account.created.v1"), ["linked", "bank", "account", "created"]);
        assert_eq!(tokens("org:deleted"), ["org", "deleted"]);
    }

    #[test]
    fn the_common_variants_match_and_others_do_not() {
        assert!(named("organization.created", "organization", Change::Created));
        assert!(named("organizations.created", "organization", Change::Created));
        assert!(named("organization_create", "organization", Change::Created));
        assert!(named("OrganizationUpdated", "organization", Change::Updated));
        assert!(named("organization.deleted.v2", "organization", Change::Deleted));
        assert!(named("created.organization", "organization", Change::Created));
        assert!(named("entries.removed", "entry", Change::Deleted));
        assert!(!named("organization.created", "organization", Change::Deleted));
        assert!(!named("organization.domain_created", "organization", Change::Created));
        assert!(!named("user.organization_membership_created", "organization", Change::Created));
        assert!(!named("account.created.v1", "organization", Change::Created));
        assert!(catch_all(&tokens("account.event.v1"), &tokens("account")));
        assert!(!catch_all(&tokens("account.event.v1"), &tokens("organization")));
    }
}
