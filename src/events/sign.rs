//! Signing deliveries as the vendor does: Svix and Standard Webhooks (`v1,<base64 HMAC-SHA256
//! of "id.timestamp.body">`, keyed by the base64 part of a `whsec_` secret), or an HMAC-SHA256
//! of a template in one header.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::spec::SignatureScheme;

/// The secret used when neither `--webhook-secret` nor the document gives one: fixed and
/// documented, so a receiver under test can verify without configuration.
pub const DEFAULT_SECRET: &str = "whsec_c3BlY21vY2std2ViaG9vay1zZWNyZXQtZm9yLXRlc3Rz";

/// A signing rule with its key.
#[derive(Debug, Clone)]
pub struct Signer {
    scheme: SignatureScheme,
    key: Vec<u8>,
    /// As given, for the banner.
    pub secret: String,
}

impl Signer {
    /// Checks that `secret` suits `scheme`: Svix-style secrets are `whsec_` and base64.
    pub fn new(scheme: SignatureScheme, secret: &str) -> Result<Signer, String> {
        let key = match scheme {
            SignatureScheme::Svix | SignatureScheme::StandardWebhooks => {
                let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
                STANDARD.decode(encoded).map_err(|_| {
                    format!(
                        "'{secret}' is not a Svix-style secret: it must be whsec_ followed by base64 (e.g. {DEFAULT_SECRET})"
                    )
                })?
            }
            SignatureScheme::Hmac { .. } | SignatureScheme::Unsigned => secret.as_bytes().to_vec(),
        };
        if key.is_empty() && scheme != SignatureScheme::Unsigned {
            return Err("the webhook secret is empty".into());
        }
        Ok(Signer { scheme, key, secret: secret.to_string() })
    }

    pub fn scheme(&self) -> &SignatureScheme {
        &self.scheme
    }

    /// The headers that sign one delivery (`id` is the message id, stable across retries).
    pub fn headers(&self, id: &str, timestamp: i64, body: &[u8]) -> Vec<(String, String)> {
        let stamp = timestamp.to_string();
        match &self.scheme {
            SignatureScheme::Unsigned => Vec::new(),
            SignatureScheme::Svix | SignatureScheme::StandardWebhooks => {
                let prefix = if self.scheme == SignatureScheme::Svix { "svix" } else { "webhook" };
                let mut signed = Vec::with_capacity(id.len() + stamp.len() + body.len() + 2);
                signed.extend_from_slice(format!("{id}.{stamp}.").as_bytes());
                signed.extend_from_slice(body);
                let signature = STANDARD.encode(self.mac(&signed));
                vec![
                    (format!("{prefix}-id"), id.to_string()),
                    (format!("{prefix}-timestamp"), stamp),
                    (format!("{prefix}-signature"), format!("v1,{signature}")),
                ]
            }
            SignatureScheme::Hmac { header, base64, value, signed } => {
                let text = String::from_utf8_lossy(body);
                let message = signed.replace("{timestamp}", &stamp).replace("{id}", id).replace("{body}", &text);
                let mac = self.mac(message.as_bytes());
                let signature = if *base64 { STANDARD.encode(mac) } else { hex(&mac) };
                let value = value.replace("{timestamp}", &stamp).replace("{id}", id).replace("{signature}", &signature);
                vec![(header.to_ascii_lowercase(), value)]
            }
        }
    }

    fn mac(&self, message: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mut mac) => {
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How the banner and the journal name a scheme.
pub fn describe(scheme: &SignatureScheme) -> &'static str {
    match scheme {
        SignatureScheme::Svix => "svix",
        SignatureScheme::StandardWebhooks => "standard-webhooks",
        SignatureScheme::Hmac { .. } => "hmac-sha256",
        SignatureScheme::Unsigned => "none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example Svix publishes for verifying by hand.
    #[test]
    fn svix_signatures_match_the_published_example() {
        let signer = Signer::new(SignatureScheme::Svix, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let headers = signer.headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(
            headers,
            [
                ("svix-id".to_string(), "msg_p5jXN8AQM9LWM0D4loKWxJek".to_string()),
                ("svix-timestamp".to_string(), "1614265330".to_string()),
                ("svix-signature".to_string(), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".to_string()),
            ]
        );
        let standard =
            Signer::new(SignatureScheme::StandardWebhooks, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let headers = standard.headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(headers[2], ("webhook-signature".into(), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".into()));
    }

    /// RFC 4231 test case 2 ("Jefe").
    #[test]
    fn hmac_headers_follow_their_templates() {
        let scheme = SignatureScheme::Hmac {
            header: "X-Signature".into(),
            base64: false,
            value: "sha256={signature}".into(),
            signed: "{body}".into(),
        };
        let signer = Signer::new(scheme, "Jefe").unwrap();
        let headers = signer.headers("id", 1, b"what do ya want for nothing?");
        assert_eq!(
            headers,
            [(
                "x-signature".to_string(),
                "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843".to_string()
            )]
        );
    }

    #[test]
    fn svix_secrets_must_be_base64() {
        assert!(Signer::new(SignatureScheme::Svix, "whsec_not base64!").unwrap_err().contains("whsec_"));
        assert!(Signer::new(SignatureScheme::Svix, DEFAULT_SECRET).is_ok());
    }
}
