//! What a violation broke, as a type: the JSON Schema keyword that failed, or one of
//! specmock's own rules. Written out by the names users see in reports and error templates
//! (`required`, `maxLength`, `content_type`), and read back from them (a template's `vars`
//! are keyed by these names).

use std::fmt;

use serde::{Serialize, Serializer};

macro_rules! keywords {
    ($($variant:ident => $name:literal,)*) => {
        /// A rule a request or response can break.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum Keyword {
            $($variant,)*
            /// A keyword this list does not name (a newer JSON Schema keyword).
            Other(Box<str>),
        }

        impl Keyword {
            /// The name reports, templates and logs use.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Keyword::$variant => $name,)*
                    Keyword::Other(name) => name,
                }
            }

            /// The keyword a name stands for.
            pub fn named(name: &str) -> Keyword {
                match name {
                    $($name => Keyword::$variant,)*
                    // The response side used to spell it with a hyphen.
                    "content-type" => Keyword::ContentType,
                    other => Keyword::Other(other.into()),
                }
            }
        }
    };
}

keywords! {
    // JSON Schema's.
    Type => "type",
    Required => "required",
    Enum => "enum",
    Const => "const",
    Format => "format",
    Pattern => "pattern",
    MinLength => "minLength",
    MaxLength => "maxLength",
    Minimum => "minimum",
    Maximum => "maximum",
    ExclusiveMinimum => "exclusiveMinimum",
    ExclusiveMaximum => "exclusiveMaximum",
    MultipleOf => "multipleOf",
    MinItems => "minItems",
    MaxItems => "maxItems",
    UniqueItems => "uniqueItems",
    Contains => "contains",
    MinProperties => "minProperties",
    MaxProperties => "maxProperties",
    AdditionalProperties => "additionalProperties",
    UnevaluatedProperties => "unevaluatedProperties",
    PropertyNames => "propertyNames",
    DependentRequired => "dependentRequired",
    OneOf => "oneOf",
    AnyOf => "anyOf",
    AllOf => "allOf",
    Not => "not",
    // specmock's: what a message or an exchange as a whole got wrong.
    Parse => "parse",
    ContentType => "content_type",
    Status => "status",
    Body => "body",
    Unauthorized => "unauthorized",
    Forbidden => "forbidden",
    NotFound => "not_found",
    Conflict => "conflict",
    Limit => "limit",
    Exhausted => "exhausted",
    Idempotency => "idempotency",
    Unavailable => "unavailable",
    Schema => "schema",
    Example => "example",
    Transport => "transport",
    Lifecycle => "lifecycle",
}

impl From<&str> for Keyword {
    fn from(name: &str) -> Keyword {
        Keyword::named(name)
    }
}

impl PartialEq<&str> for Keyword {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Keyword {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_one_rule_has_one_name() {
        for name in ["required", "maxLength", "content_type", "status", "not_found", "x-new-keyword"] {
            assert_eq!(Keyword::named(name).as_str(), name);
        }
        assert_eq!(Keyword::named("content-type"), Keyword::ContentType);
        assert_eq!(Keyword::named("minLength"), Keyword::MinLength);
        assert_eq!(serde_json::to_value(Keyword::Required).unwrap(), "required");
    }
}
