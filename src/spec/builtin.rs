//! The four organization API styles that ship inside the binary.

/// An embedded document.
pub struct Builtin {
    /// Name used on the command line and as the mount prefix (`/clerk`).
    pub name: &'static str,
    pub file: &'static str,
    pub text: &'static str,
}

pub const BUILTINS: &[Builtin] = &[
    Builtin { name: "scalekit", file: "specs/scalekit.yaml", text: include_str!("../../specs/scalekit.yaml") },
    Builtin { name: "straddle", file: "specs/straddle.yaml", text: include_str!("../../specs/straddle.yaml") },
    Builtin { name: "clerk", file: "specs/clerk.yaml", text: include_str!("../../specs/clerk.yaml") },
    Builtin { name: "zitadel", file: "specs/zitadel.yaml", text: include_str!("../../specs/zitadel.yaml") },
];

impl Builtin {
    pub fn find(name: &str) -> Option<&'static Builtin> {
        BUILTINS.iter().find(|b| b.name == name)
    }

    pub fn load(&self) -> Result<super::Api, super::SpecError> {
        super::load_text(self.file, self.text)
    }
}
