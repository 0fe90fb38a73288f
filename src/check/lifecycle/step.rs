//! One step of a walk: the request built, sent, shown as a line of the `curl` chain (the
//! created item's id as `$ID`) and judged.

use serde_json::Value;

use super::super::build::{Fixed, encode_segment};
use super::super::compare::Located;
use super::super::judge::Refusal;
use super::super::plan::Case;
use super::super::rules::Rule;
use super::super::send::{Answer, send};
use super::super::verdict::{Finding, Verdict};
use super::{MARKER, Walk};
use crate::store::ItemOperation;

impl Walk<'_, '_> {
    /// The parents' parameters and the item's id, where `op` takes it.
    pub(super) fn with_id(&self, op: &ItemOperation) -> Fixed {
        let mut fixed = self.parents.clone();
        fixed.params.retain(|(l, n, _)| !(*l == op.id.0 && *n == op.id.1));
        fixed.params.push((op.id.0, op.id.1.clone(), self.id.clone()));
        fixed
    }

    pub(super) fn build(&mut self, operation: usize, step: u64, fixed: &Fixed) -> Result<Case, String> {
        let seed = self.seed.wrapping_add(step);
        self.builder.valid(operation, seed, fixed).ok_or_else(|| {
            format!("no valid request for {} can be made from the document", self.api.operations[operation].label)
        })
    }

    /// Sends one step and judges its answer by the usual rules; the verdict carries the chain.
    pub(super) async fn step(&mut self, label: &str, case: &Case, refusal: Option<Refusal>) -> Result<Answer, String> {
        if !self.context.spend() {
            return Err("--max-requests was reached first".into());
        }
        let op = &self.api.operations[case.operation];
        if !self.id.is_empty() {
            let mut shown = case.clone();
            let marked = |v: &str| if v == self.id { MARKER.to_string() } else { v.to_string() };
            let encoded = encode_segment(&self.id);
            shown.path =
                shown.path.split('/').map(|s| if s == encoded { MARKER } else { s }).collect::<Vec<_>>().join("/");
            shown.headers = shown.headers.iter().map(|(k, v)| (k.clone(), marked(v))).collect();
            shown.query = shown.query.iter().map(|(k, v)| (k.clone(), marked(v))).collect();
            // `'…/'"$ID"` rather than `'…/'"$ID"''`: the id closes its quoted word.
            let line = self.context.reproducer.curl(&shown);
            let line = line.replace(&format!("{MARKER}'"), "'\"$ID\"").replace(MARKER, "'\"$ID\"'");
            self.chain.push(line);
        } else {
            self.chain.push(self.context.reproducer.curl(case));
        }
        let mut verdict = Verdict {
            name: format!("lifecycle: {label}"),
            method: case.method.to_string(),
            path: case.target(),
            operation: Some(op.label.to_string()),
            case: Some(format!("lifecycle of {}: {label}", self.shape.key)),
            curl: Some(self.chain.join("\n")),
            ..Verdict::default()
        };
        let answer = match send(&self.context.client, &self.context.base, case).await {
            Ok(answer) => answer,
            Err(failure) => {
                let message = format!("no answer: {}", failure.message);
                verdict.findings.push(Finding::new(Rule::Answered, "transport", message));
                self.verdicts.push(verdict);
                return Err(format!("the {label} got no answer"));
            }
        };
        verdict.status = answer.status;
        self.last = serde_json::from_slice(&answer.body).ok().map(|body| (case.operation, answer.status, body));
        let judge = &self.context.judge;
        verdict.findings = match refusal {
            Some(r) => judge.refusal(op, &case.method, r, answer.status, &answer.headers, &answer.body),
            None => judge.response(op, &case.method, answer.status, &answer.headers, &answer.body),
        };
        self.verdicts.push(verdict);
        Ok(answer)
    }

    /// A create that names its item (a permission's `name`, a `code`) names a new one: the
    /// documented example is likely taken already, by an earlier check or by the server's
    /// own data. A suffix is added where the request schema still accepts the body.
    pub(super) fn fresh_identifier(&self, create: usize, case: &mut Case) {
        let Some((content_type, bytes)) = &case.body else { return };
        let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(bytes) else { return };
        let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let fresh = match body.get(&self.shape.id_property) {
            Some(Value::String(named)) => Value::String(format!("{named}-{:x}", nonce % 0x10_0000)),
            // A number the client chooses (the Petstore's pet id): another one.
            Some(Value::Number(n)) if n.as_i64().is_some() => {
                Value::from(n.as_i64().unwrap_or(0).saturating_add(i64::from(nonce % 1_000_000) + 1))
            }
            _ => return,
        };
        body.insert(self.shape.id_property.clone(), fresh);
        let body = Value::Object(body);
        let schema = self.api.operations[create].body.as_ref().and_then(|b| b.content.iter().find(|m| m.is_json()));
        let accepted = schema
            .and_then(|m| m.schema)
            .is_some_and(|id| self.api.schemas.validator(id).is_ok_and(|v| v.is_valid(&body)));
        if accepted && crate::spec::is_json_media(content_type) {
            let content_type = content_type.clone();
            case.body = Some((content_type, bytes::Bytes::from(serde_json::to_vec(&body).unwrap_or_default())));
        }
    }

    /// Rewrites the create's line to keep the id it answers: `ID=$(curl -s … | jq -r .id)`.
    pub(super) fn capture_id(&mut self, created: &Located<'_>) {
        if let Some(line) = self.chain.last_mut() {
            let quiet = line.replacen("curl -i ", "curl -s ", 1);
            *line = format!("ID=$({quiet} | jq -r '{}')", created.jq());
            if let Some(verdict) = self.verdicts.last_mut() {
                verdict.curl = Some(self.chain.join("\n"));
            }
        }
    }
}
