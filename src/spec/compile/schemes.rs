//! Security schemes and the requirements operations place on them.

use serde_json::Value;

use super::super::error::SpecError;
use super::super::load::Loc;
use super::super::model::{ParamIn, Requirement, SchemeKind, SecurityScheme, Version};
use super::Compiler;

impl Compiler<'_> {
    pub(super) fn security_schemes(&self) -> Result<Vec<SecurityScheme>, SpecError> {
        let base = self.sources.root_loc("/components/securitySchemes");
        let Some(Value::Object(map)) = self.sources.get(&base) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for name in map.keys() {
            let (loc, s) = self.sources.resolve(base.child(name))?;
            let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
            let kind = match field("type") {
                "http" => match field("scheme").to_ascii_lowercase().as_str() {
                    "bearer" => SchemeKind::Bearer,
                    "basic" => SchemeKind::Basic,
                    other => SchemeKind::Http(other.to_string()),
                },
                "apiKey" => {
                    let location = match field("in") {
                        "header" => ParamIn::Header,
                        "query" => ParamIn::Query,
                        "cookie" => ParamIn::Cookie,
                        other => {
                            return Err(self.sources.error(
                                &loc.child("in"),
                                format!("apiKey `in` must be header, query or cookie, not '{other}'"),
                            ));
                        }
                    };
                    let key_name = field("name");
                    if key_name.is_empty() {
                        return Err(self.sources.error(&loc, "an apiKey scheme needs a `name`"));
                    }
                    SchemeKind::ApiKey { location, name: key_name.to_string() }
                }
                "oauth2" => SchemeKind::OAuth2,
                "openIdConnect" => SchemeKind::OpenIdConnect,
                "mutualTLS" => SchemeKind::MutualTls,
                other => {
                    return Err(self
                        .sources
                        .error(&loc.child("type"), format!("unknown security scheme type '{other}'")));
                }
            };
            out.push(SecurityScheme { name: name.clone(), kind });
        }
        Ok(out)
    }

    pub(super) fn requirements(&self, value: &Value, loc: &Loc) -> Result<Vec<Requirement>, SpecError> {
        let Value::Array(sets) = value else {
            return Err(self.sources.error(loc, "security must be an array of requirement objects"));
        };
        let defined_in =
            if self.version == Version::V20 { "securityDefinitions" } else { "components/securitySchemes" };
        let mut out = Vec::new();
        for (i, set) in sets.iter().enumerate() {
            let set_loc = loc.child(&i.to_string());
            let Value::Object(set) = set else {
                return Err(self.sources.error(&set_loc, "a security requirement must be an object"));
            };
            let mut req = Requirement::default();
            for (name, scopes) in set {
                let index = self.security_schemes.iter().position(|s| &s.name == name).ok_or_else(|| {
                    self.sources
                        .error(&set_loc.child(name), format!("security scheme '{name}' is not defined in {defined_in}"))
                })?;
                let scopes = scopes
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string).collect())
                    .unwrap_or_default();
                req.schemes.push((index, scopes));
            }
            out.push(req);
        }
        Ok(out)
    }
}
