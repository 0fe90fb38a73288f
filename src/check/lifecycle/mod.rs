//! Stateful checks: for each resource the sandbox would infer (create, read, update, list,
//! delete), walk one item through its life — create it, read it back, change it, find it
//! in the list, delete it, see it gone — judging every answer by the usual rules and by the
//! lifecycle rules. Every step's verdict carries the chain of `curl` commands that led to it.
//!
//! A server that answers a read of an id nobody created with 2xx keeps no state (a
//! stateless mock): its lifecycle is skipped, saying so, rather than failed.

mod requests;
mod step;

use std::sync::Arc;

use futures_util::StreamExt;
use serde_json::Value;

use super::build::{Builder, Fixed};
use super::compare::{self, Located};
use super::judge::Refusal;
use super::links;
use super::plan::{PlanOptions, seed_for, selected};
use super::rules::Rule;
use super::runner::{CheckError, Context};
use super::send::send;
use super::verdict::{Finding, Verdict};
use crate::spec::{Api, ParamIn};
use crate::store::{ItemOperation, ResourceShape};
use crate::validate::Part;
use requests::{camel, is_page_size, scalar, sent_json};

/// Why a lifecycle is skipped against a server that answers reads of ids nobody created.
const KEEPS_NO_STATE: &str = "the server keeps no state to check";

/// What the lifecycles came to.
pub struct Lifecycles {
    pub verdicts: Vec<Verdict>,
    /// A read of an id nobody created succeeded: the server keeps no state (a stateless mock),
    /// so nothing it answers can be taken as evidence that it remembers.
    pub keeps_no_state: bool,
}

/// Stands for the created item's id in the `curl` chain (`$ID`).
const MARKER: &str = "SPECMOCK_LIFECYCLE_ID";

/// Every lifecycle of the document whose create and read are selected.
pub async fn run_all(
    context: &Context<'_>,
    options: &PlanOptions<'_>,
    concurrency: usize,
) -> Result<Lifecycles, CheckError> {
    let api = Arc::clone(context.judge.api());
    let chosen = selected(&api, options);
    let mut shapes: Vec<(ResourceShape, Option<String>)> =
        crate::store::resources(&api)?.into_iter().map(|s| (s, None)).collect();
    // Links declare what inference may miss; where inference found the same create's read, it stays.
    for linked in links::shapes(&api) {
        let known = shapes.iter().any(|(s, _)| s.create == linked.shape.create && s.read.is_some());
        if !known {
            shapes.push((linked.shape, Some(linked.id_pointer)));
        }
    }
    let walks: Vec<Walk<'_, '_>> = shapes
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| s.create.is_some_and(|c| chosen.contains(&c)))
        .filter(|(_, (s, _))| s.read.as_ref().is_some_and(|r| chosen.contains(&r.operation)))
        .map(|(n, (shape, id_pointer))| {
            let mut walk = Walk::new(context, &api, shape, &chosen, seed_for(options.seed, n) ^ 0x5eed);
            walk.id_pointer = id_pointer.clone();
            walk
        })
        .collect();
    let walked = futures_util::stream::iter(walks).map(Walk::run).buffered(concurrency.max(1)).collect::<Vec<_>>();
    let mut lifecycles = Lifecycles { verdicts: Vec::new(), keeps_no_state: false };
    for (verdicts, keeps_no_state) in walked.await {
        lifecycles.verdicts.extend(verdicts);
        lifecycles.keeps_no_state |= keeps_no_state;
    }
    Ok(lifecycles)
}

/// One item's way through its resource's operations.
struct Walk<'c, 'a> {
    context: &'c Context<'a>,
    api: &'c Api,
    shape: &'c ResourceShape,
    chosen: &'c [usize],
    builder: Builder<'c>,
    seed: u64,
    /// Property names an item's id may go by, most likely first.
    id_properties: Vec<String>,
    /// Where a link says the create's answer holds the id.
    id_pointer: Option<String>,
    /// The parents' path parameters, the same for every step.
    parents: Fixed,
    id: String,
    chain: Vec<String>,
    verdicts: Vec<Verdict>,
    /// The last step's operation, status and body, to tell a server's mistake from the
    /// document's own contradiction.
    last: Option<(usize, u16, Value)>,
    /// A read of an id nobody created succeeded (see [`Lifecycles::keeps_no_state`]).
    keeps_no_state: bool,
}

impl<'c, 'a> Walk<'c, 'a> {
    fn new(context: &'c Context<'a>, api: &'c Api, shape: &'c ResourceShape, chosen: &'c [usize], seed: u64) -> Self {
        let mut id_properties = vec![shape.id_property.clone()];
        if let Some(read) = &shape.read {
            id_properties.push(read.id.1.clone());
            id_properties.push(camel(&read.id.1));
        }
        id_properties.push("id".into());
        id_properties.dedup();
        let mut builder = Builder::new(api, context.credentials);
        builder.generated_bodies = true;
        Walk {
            context,
            api,
            shape,
            chosen,
            builder,
            seed,
            id_properties,
            id_pointer: None,
            parents: Fixed::default(),
            id: String::new(),
            chain: Vec::new(),
            verdicts: Vec::new(),
            last: None,
            keeps_no_state: false,
        }
    }

    /// The walk's verdicts, and whether the server showed it keeps no state.
    async fn run(mut self) -> (Vec<Verdict>, bool) {
        if let Err(reason) = self.walk().await {
            let create = self.shape.create.map(|c| self.api.operations[c].label.to_string());
            self.verdicts.push(Verdict {
                name: format!("lifecycle of {}", self.shape.key),
                operation: create,
                case: Some(format!("lifecycle of {}", self.shape.key)),
                skipped: Some(reason),
                ..Verdict::default()
            });
        }
        (self.verdicts, self.keeps_no_state)
    }

    /// The steps in order; `Err` says why the rest was not walked.
    async fn walk(&mut self) -> Result<(), String> {
        let Some(create) = self.shape.create else { return Ok(()) };
        let Some(read) = self.shape.read.clone() else {
            // Listed but not read by id: create, then the list holds it.
            return match self.shape.list.filter(|l| self.chosen.contains(l)) {
                Some(list) => self.walk_listed(create, list).await,
                None => Ok(()),
            };
        };
        for operation in [create, read.operation] {
            let op = &self.api.operations[operation];
            let success = op.responses.iter().any(|r| r.status.is_success());
            if !success {
                return Err(format!("{} documents no success answer to follow", op.label));
            }
        }
        self.probe(&read).await?;

        let (created_item, sent) = self.create(create).await?;
        let (status, item) = self.read(&read, "read after create").await?;
        if status == 404 || status == 410 {
            self.fail(Rule::CreatedReadable, format!("the created item '{}' cannot be read: {status}", self.id));
            return Ok(());
        }
        self.mismatches(Rule::ReadMatchesWrite, "the read", sent.as_ref(), item.as_ref());
        let known = item.unwrap_or(created_item);

        if let Some(update) = self.shape.update.clone().filter(|u| self.chosen.contains(&u.operation)) {
            self.update(&update, &read).await?;
        }
        if let Some(list) = self.shape.list.filter(|l| self.chosen.contains(l)) {
            self.list(list, Some(&known)).await?;
        }
        if let Some(delete) = self.shape.delete.clone().filter(|d| self.chosen.contains(&d.operation)) {
            self.delete(&delete, &read).await?;
        }
        Ok(())
    }

    /// The create step: the item answered, its id kept for the steps after it.
    async fn create(&mut self, create: usize) -> Result<(Value, Option<Value>), String> {
        let mut case = self.build(create, 0, &Fixed::default())?;
        self.fresh_identifier(create, &mut case);
        let sent = sent_json(self.api, &case);
        let answer = self.step("create", &case, None).await?;
        if !(200..300).contains(&answer.status) {
            return Err(format!("the create answered {}, so there is nothing to follow", answer.status));
        }
        let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
        let located = body.as_ref().and_then(|b| match &self.id_pointer {
            Some(pointer) => compare::locate_at(b, pointer),
            None => compare::locate(b, &self.id_properties),
        });
        let Some(created) = located else {
            return Err(format!(
                "the create's answer shows no id ({}) to read the item back with",
                self.id_properties.join(", ")
            ));
        };
        self.id = created.id.clone();
        self.capture_id(&created);
        self.mismatches(Rule::ReadMatchesWrite, "the create's answer", sent.as_ref(), Some(&created));
        self.parents.params =
            case.path_values.iter().map(|(name, value)| (ParamIn::Path, name.clone(), value.clone())).collect();

        Ok((Value::Object(created.item.clone()), sent))
    }

    /// A resource listed but not read by id. A list before the create tells a server that keeps
    /// state from one that does not (its list does not change).
    async fn walk_listed(&mut self, create: usize, list: usize) -> Result<(), String> {
        let op = &self.api.operations[create];
        if !op.responses.iter().any(|r| r.status.is_success()) {
            return Err(format!("{} documents no success answer to follow", op.label));
        }
        // The create's parents (the same case is built again by the create step).
        let planned = self.build(create, 0, &Fixed::default())?;
        self.parents.params =
            planned.path_values.iter().map(|(name, value)| (ParamIn::Path, name.clone(), value.clone())).collect();
        let before = self.listed(list, "list before create").await?;
        let (created, _) = self.create(create).await?;
        self.list(list, Some(&created)).await?;
        let missing =
            self.verdicts.last().is_some_and(|v| v.findings.iter().any(|f| f.rule == Rule::ListedAfterCreate));
        let after = self.last.as_ref().map(|(_, _, body)| compare::ids(body, &self.id_properties));
        if missing && before.is_some() && before == after {
            if let Some(verdict) = self.verdicts.last_mut() {
                verdict.findings.retain(|f| f.rule != Rule::ListedAfterCreate);
            }
            return Err(
                "the list did not change after a create: the server keeps no state to check (a stateless mock?)".into(),
            );
        }
        Ok(())
    }

    /// The ids a list answers (`None` when it answers no page).
    async fn listed(&mut self, list: usize, label: &str) -> Result<Option<Vec<String>>, String> {
        let mut case = self.build(list, 3, &self.parents.clone())?;
        requests::minimal_list(self.api, list, &mut case);
        let answer = self.step(label, &case, None).await?;
        let body = serde_json::from_slice::<Value>(&answer.body).ok().filter(|_| (200..300).contains(&answer.status));
        Ok(body.map(|b| compare::ids(&b, &self.id_properties)))
    }

    /// A read of an id nobody created: 2xx means the server keeps no state to check.
    async fn probe(&mut self, read: &ItemOperation) -> Result<(), String> {
        let mut fixed = Fixed::default();
        let declared =
            self.api.operations[read.operation].params.iter().any(|p| p.location == read.id.0 && p.name == read.id.1);
        if !declared {
            fixed.params.push((read.id.0, read.id.1.clone(), format!("specmock-{:016x}", self.seed)));
        }
        let case = self.build(read.operation, 1, &fixed)?;
        if !self.context.spend() {
            return Err("--max-requests was reached first".into());
        }
        let answer = send(&self.context.client, &self.context.base, &case).await.map_err(|f| f.message)?;
        if (200..300).contains(&answer.status) {
            self.keeps_no_state = true;
            return Err(format!(
                "{} {} answered {} for an id nobody created: {KEEPS_NO_STATE} (a stateless mock?)",
                case.method, self.api.operations[read.operation].path, answer.status
            ));
        }
        Ok(())
    }

    async fn update(&mut self, update: &ItemOperation, read: &ItemOperation) -> Result<(), String> {
        let case = self.build(update.operation, 2, &self.with_id(update))?;
        let sent = sent_json(self.api, &case);
        let answer = self.step("update", &case, None).await?;
        if !(200..300).contains(&answer.status) {
            return Ok(());
        }
        let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
        let echoed = body.as_ref().and_then(|b| compare::locate(b, &self.id_properties));
        self.mismatches(Rule::ReadMatchesWrite, "the update's answer", sent.as_ref(), echoed.as_ref());
        let (status, item) = self.read(read, "read after update").await?;
        if status == 404 || status == 410 {
            self.fail(Rule::UpdateVisible, format!("after the update the item '{}' cannot be read: {status}", self.id));
            return Err("the item is gone".into());
        }
        self.mismatches(Rule::UpdateVisible, "the read after the update", sent.as_ref(), item.as_ref());
        Ok(())
    }

    async fn list(&mut self, list: usize, created: Option<&Value>) -> Result<(), String> {
        // A required query parameter is a filter: the created item's own value passes it.
        let mut fixed = self.parents.clone();
        let mut unmatched = false;
        for param in self.api.operations[list].params.iter().filter(|p| p.required && p.location == ParamIn::Query) {
            match created.and_then(|c| c.get(&param.name)).and_then(scalar) {
                Some(value) => fixed.params.push((ParamIn::Query, param.name.clone(), value)),
                None => unmatched |= !is_page_size(&param.name),
            }
        }
        let mut case = self.build(list, 3, &fixed)?;
        let page = requests::minimal_list(self.api, list, &mut case);
        let answer = self.step("list after create", &case, None).await?;
        if !(200..300).contains(&answer.status) {
            return Ok(());
        }
        let Ok(body) = serde_json::from_slice::<Value>(&answer.body) else { return Ok(()) };
        // Found; or filtered by a value the item may not have: no evidence either way.
        if compare::contains(&body, &self.id_properties, &self.id) || unmatched {
            return Ok(());
        }
        // A full page may have pushed the new item to a later one: that is no evidence.
        if compare::longest_list(&body) >= page.unwrap_or(10) {
            return Ok(());
        }
        let shown = compare::longest_list(&body);
        self.fail(
            Rule::ListedAfterCreate,
            format!("the list ({shown} item{}) does not contain the created item '{}'", plural(shown), self.id),
        );
        Ok(())
    }

    async fn delete(&mut self, delete: &ItemOperation, read: &ItemOperation) -> Result<(), String> {
        let case = self.build(delete.operation, 4, &self.with_id(delete))?;
        let answer = self.step("delete", &case, None).await?;
        if !(200..300).contains(&answer.status) {
            return Ok(());
        }
        let case = self.build(read.operation, 5, &self.with_id(read))?;
        let answer = self.step("read after delete", &case, Some(Refusal::Missing)).await?;
        if (200..300).contains(&answer.status) {
            self.fail(
                Rule::DeletedNotReadable,
                format!("the deleted item '{}' is still readable: {} instead of 404", self.id, answer.status),
            );
        }
        Ok(())
    }

    /// Reads the item; returns the status and the item, when the answer shows it.
    async fn read(&mut self, read: &ItemOperation, label: &str) -> Result<(u16, Option<Value>), String> {
        let case = self.build(read.operation, 5, &self.with_id(read))?;
        let answer = self.step(label, &case, None).await?;
        let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
        let item =
            body.as_ref().and_then(|b| compare::locate(b, &self.id_properties)).map(|l| Value::Object(l.item.clone()));
        Ok((answer.status, item))
    }

    /// Whether the last answer's documented schema holds the value written at `pointer` (of
    /// the item): put there instead, does the answer still validate?
    fn representable(&self, sent: &Value, pointer: &str) -> bool {
        let Some((op, status, body)) = &self.last else { return true };
        let (Some(written), Some(located)) = (sent.pointer(pointer), compare::locate(body, &self.id_properties)) else {
            return true;
        };
        let at = located.path.iter().fold(String::new(), |p, k| crate::spec::pointer::push(&p, k)) + pointer;
        let schema = http::StatusCode::from_u16(*status)
            .ok()
            .and_then(|status| self.api.operations[*op].response_for(status))
            .and_then(|r| r.content.iter().find(|m| m.is_json()))
            .and_then(|m| m.schema);
        let (Some(schema), mut answer) = (schema, body.clone()) else { return true };
        match answer.pointer_mut(&at) {
            Some(slot) => *slot = written.clone(),
            None => return true,
        }
        let refused = crate::validate::schema_violations(&self.api.schemas, schema, &answer, Part::Body, "");
        !refused.iter().any(|v| v.pointer == at || v.pointer.starts_with(&format!("{at}/")))
    }

    /// Adds a finding to the last step's verdict.
    fn fail(&mut self, rule: Rule, message: String) {
        if let Some(verdict) = self.verdicts.last_mut() {
            verdict.findings.push(Finding::new(rule, "lifecycle", message));
        }
    }

    /// Findings for the values written that `what` answers differently.
    fn mismatches<T: Shown>(&mut self, rule: Rule, what: &str, sent: Option<&Value>, got: Option<&T>) {
        let (Some(sent), Some(got)) = (sent, got) else { return };
        // The id names the item; the path says which one, whatever a body carries.
        let mut sent = sent.clone();
        if let Value::Object(map) = &mut sent {
            for id in &self.id_properties {
                map.shift_remove(id);
            }
        }
        for (pointer, difference) in compare::differences(&sent, &got.value()) {
            let (rule, message) = match self.representable(&sent, &pointer) {
                true => (rule, format!("{what} differs from what was written at {pointer}: {difference}")),
                false => (
                    Rule::WriteRepresentable,
                    format!(
                        "the document lets a client write what {what} cannot hold at {pointer} \
                         (its answer's schema refuses the value written): {difference}"
                    ),
                ),
            };
            let mut finding = Finding::new(rule, "lifecycle", message);
            finding.violation.pointer = pointer;
            if let Some(verdict) = self.verdicts.last_mut() {
                verdict.findings.push(finding);
            }
        }
    }
}

/// What a comparison reads: a located item or a value.
trait Shown {
    fn value(&self) -> Value;
}

impl Shown for Value {
    fn value(&self) -> Value {
        self.clone()
    }
}

impl Shown for Located<'_> {
    fn value(&self) -> Value {
        Value::Object(self.item.clone())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
