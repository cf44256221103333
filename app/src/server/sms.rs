//! Outgoing text messages through an HTTP gateway with Twilio's Messages API shape: a form
//! (`To`, `From`, `Body`, `StatusCallback`) POSTed with basic auth to `<base>/Messages.json`,
//! answered with the message's `sid`. The gateway later reports each message's fate to the
//! status callback, signed with `X-Twilio-Signature` (`signature`). Bodies never carry PHI.
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use hmac::{Hmac, Mac};

/// A text message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// E.164, as the profile stores it.
    pub to: String,
    pub body: String,
    /// Where the gateway reports whether it was delivered.
    pub status_callback: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// Worth trying again later: a timeout, no connection, a 429 or a 5xx.
    #[error("SMS gateway failed: {0}")]
    Temporary(String),
    /// Will fail the same way again: the gateway's 4xx (an invalid number, say).
    #[error("SMS refused: {0}")]
    Refused(String),
}

impl SmsError {
    pub(crate) fn is_temporary(&self) -> bool {
        matches!(self, SmsError::Temporary(_))
    }
}

#[async_trait]
pub trait SmsGateway: Send + Sync + 'static {
    /// Sends, and returns the gateway's id for the message.
    async fn send(&self, sms: OutgoingSms) -> Result<String, SmsError>;
    /// The secret the gateway signs its status callbacks with.
    fn signing_key(&self) -> &str;
}

/// How long one request to the gateway may take before it counts as a temporary failure.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A gateway speaking Twilio's Messages API.
pub struct HttpSmsGateway {
    client: reqwest::Client,
    messages_url: String,
    account: String,
    token: String,
    from: String,
}

impl HttpSmsGateway {
    /// `base`: the account's API address (Twilio: `https://api.twilio.com/2010-04-01/Accounts/<sid>`).
    pub fn new(base: &str, account: &str, token: &str, from: &str) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpSmsGateway {
            client,
            messages_url: format!("{}/Messages.json", base.trim_end_matches('/')),
            account: account.to_owned(),
            token: token.to_owned(),
            from: from.to_owned(),
        })
    }
}

#[derive(serde::Deserialize)]
struct Accepted {
    sid: String,
}

#[async_trait]
impl SmsGateway for HttpSmsGateway {
    async fn send(&self, sms: OutgoingSms) -> Result<String, SmsError> {
        let mut form = vec![
            ("To", sms.to.as_str()),
            ("From", self.from.as_str()),
            ("Body", sms.body.as_str()),
        ];
        if let Some(callback) = &sms.status_callback {
            form.push(("StatusCallback", callback.as_str()));
        }
        let response = self
            .client
            .post(&self.messages_url)
            .basic_auth(&self.account, Some(&self.token))
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                SmsError::Temporary(if e.is_timeout() {
                    "timed out".to_owned()
                } else {
                    "no connection".to_owned()
                })
            })?;
        let status = response.status();
        // The gateway's words may quote the number: only its status code is kept.
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(SmsError::Temporary(format!("gateway {}", status.as_u16())));
        }
        if !status.is_success() {
            return Err(SmsError::Refused(format!("gateway {}", status.as_u16())));
        }
        let accepted: Accepted = response
            .json()
            .await
            .map_err(|_| SmsError::Temporary("gateway answer unreadable".to_owned()))?;
        Ok(accepted.sid.chars().take(64).collect())
    }

    fn signing_key(&self) -> &str {
        &self.token
    }
}

/// Twilio's request signature: HMAC-SHA1, keyed with the auth token, of the full URL the
/// gateway called followed by each form field's name and value, sorted by name; base64.
pub fn signature(key: &str, url: &str, params: &[(String, String)]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(signed(key, url, params).finalize().into_bytes())
}

/// Whether `claimed` is the signature of this request, compared in constant time.
pub fn signature_holds(key: &str, url: &str, params: &[(String, String)], claimed: &str) -> bool {
    base64::engine::general_purpose::STANDARD
        .decode(claimed.trim())
        .is_ok_and(|claimed| signed(key, url, params).verify_slice(&claimed).is_ok())
}

fn signed(key: &str, url: &str, params: &[(String, String)]) -> Hmac<sha1::Sha1> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// A mobile number as people type it (`+1 555 010 0199`, `+44 (20) 7946-0958`) in E.164
/// form (`+15550100199`): a plus, a country code that does not start with 0, and 8 to 15
/// digits in all. Without the country code a number cannot be texted across borders, so it
/// is refused rather than guessed.
pub fn e164(typed: &str) -> Option<String> {
    let typed = typed.trim();
    let rest = typed.strip_prefix('+')?;
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || " -().".contains(c))
    {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let valid = (8..=15).contains(&digits.len()) && !digits.starts_with('0');
    valid.then(|| format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_e164_with_their_country_code() {
        assert_eq!(e164("+1 555 010 0199").as_deref(), Some("+15550100199"));
        assert_eq!(
            e164(" +44 (20) 7946-0958 ").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(e164("+4915123456789").as_deref(), Some("+4915123456789"));
        for refused in [
            "555 010 0199",
            "+0 555 010 0199",
            "+1 555",
            "+1234567890123456",
            "+1 555 010 0199 ext 2",
            "",
        ] {
            assert_eq!(e164(refused), None, "{refused}");
        }
    }

    #[test]
    fn the_signature_is_twilios() {
        // The example in Twilio's request-validation documentation (Python's hmac agrees).
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let signed = signature("12345", url, &params);
        assert_eq!(signed, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(signature_holds("12345", url, &params, &signed));
        assert!(!signature_holds("54321", url, &params, &signed));
        assert!(!signature_holds(
            "12345",
            "https://mycompany.com/other",
            &params,
            &signed
        ));
        assert!(!signature_holds("12345", url, &params, "not base64!"));
    }
}
