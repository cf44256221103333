//! Outgoing email behind one small trait: SMTP in production, a local mailbox for the
//! embedded default and development. Bodies never carry PHI, only what to do next.
use std::path::PathBuf;

use async_trait::async_trait;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::model::MailboxMessage;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The same words as HTML: sent as `multipart/alternative` beside the text.
    pub html: Option<String>,
    /// The one-click unsubscribe address (RFC 8058): `List-Unsubscribe` and
    /// `List-Unsubscribe-Post` headers.
    pub list_unsubscribe: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The configured sender (`SALUS_MAIL_FROM`), named so that the operator can fix it.
    #[error("invalid sender address: {0}")]
    Sender(String),
    /// A recipient's address the mail library refuses; never named, as no address is logged.
    #[error("invalid recipient address")]
    Recipient,
    /// Worth trying again later: a timeout, a refused connection, an SMTP 4xx.
    #[error("mail transport failed: {0}")]
    Transport(String),
    /// Will fail the same way again: an SMTP 5xx (no such mailbox, refused).
    #[error("mail refused: {0}")]
    Refused(String),
}

impl MailError {
    /// Whether sending the same message again may succeed.
    pub(crate) fn is_temporary(&self) -> bool {
        matches!(self, MailError::Transport(_))
    }
}

#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        self.deliver(mail).await.map(|_| ())
    }
    /// Sends, and returns what the transport called the message (an SMTP server's reply,
    /// which names its queue id; a mailbox file's name).
    async fn deliver(&self, mail: OutgoingMail) -> Result<String, MailError>;
    /// The mailbox directory when this transport writes to one (development only).
    fn mailbox_dir(&self) -> Option<&PathBuf> {
        None
    }
}

/// Writes each message as a JSON file in a directory; `salus mailbox` and /dev/mailbox read them.
pub struct MailboxMailer {
    dir: PathBuf,
}

impl MailboxMailer {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        MailboxMailer { dir: dir.into() }
    }
}

#[async_trait]
impl Mailer for MailboxMailer {
    async fn deliver(&self, mail: OutgoingMail) -> Result<String, MailError> {
        use rand::Rng;
        let now = chrono::Utc::now();
        let id = format!(
            "{}-{:08x}",
            now.format("%Y%m%dT%H%M%S%.6fZ"),
            rand::thread_rng().gen::<u32>()
        );
        let message = MailboxMessage {
            id: id.clone(),
            to: mail.to,
            subject: mail.subject,
            body: mail.text,
            sent_at: now.to_rfc3339(),
        };
        let json =
            serde_json::to_vec_pretty(&message).map_err(|e| MailError::Transport(e.to_string()))?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| MailError::Transport(e.to_string()))?;
        // Write then rename, so a reader never sees half a message.
        let tmp = self.dir.join(format!(".{id}.tmp"));
        tokio::fs::write(&tmp, json)
            .await
            .map_err(|e| MailError::Transport(e.to_string()))?;
        tokio::fs::rename(&tmp, self.dir.join(format!("{id}.json")))
            .await
            .map_err(|e| MailError::Transport(e.to_string()))?;
        Ok(id)
    }

    fn mailbox_dir(&self) -> Option<&PathBuf> {
        Some(&self.dir)
    }
}

/// Sends `mail` without making the request wait for the transport: what it reports (account
/// notices, links) stands whether or not the message goes out, and a failure is logged as
/// `what` (never the address or the body).
pub(crate) fn send_in_background(
    mailer: std::sync::Arc<dyn Mailer>,
    mail: OutgoingMail,
    what: &'static str,
) {
    tokio::spawn(async move {
        if let Err(e) = mailer.send(mail).await {
            tracing::error!(error = %e, mail = what, "an email was not sent");
        }
    });
}

/// Reads a mailbox directory, newest first.
pub fn read_mailbox(dir: &std::path::Path) -> std::io::Result<Vec<MailboxMessage>> {
    let mut messages = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(messages),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let bytes = std::fs::read(&path)?;
            if let Ok(message) = serde_json::from_slice::<MailboxMessage>(&bytes) {
                messages.push(message);
            }
        }
    }
    messages.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(messages)
}

/// SMTP through lettre's pooled async transport.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// The URL lettre is given for Salus's `url`: `smtp://` requires STARTTLS unless the URL says
/// otherwise (`?tls=opportunistic`, or `?tls=none` for plain SMTP, say to a relay on loopback);
/// `smtps://` is TLS from the start. (Left to itself, lettre sends `smtp://` unencrypted.)
pub(crate) fn smtp_url_with_tls(url: &str) -> String {
    let Some(rest) = url.strip_prefix("smtp://") else {
        return url.to_owned();
    };
    let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    let tls = params.iter().find_map(|p| p.strip_prefix("tls="));
    match tls {
        None => params.push("tls=required"),
        Some("none") => params.retain(|p| *p != "tls=none"),
        Some(_) => {}
    }
    if params.is_empty() {
        format!("smtp://{base}")
    } else {
        format!("smtp://{base}?{}", params.join("&"))
    }
}

/// How many messages one reminder worker has with the transports at once: the SMTP pool
/// below keeps as many connections, and the gateway's HTTP client keeps its own. Many, because
/// each SMTP message waits about 40 ms on its connection: lettre writes the body and the
/// closing dot separately, and the second write waits for the server's delayed
/// acknowledgement.
pub const SENDING_AT_ONCE: usize = 32;

impl SmtpMailer {
    /// `url`: `smtps://user:pass@host:465`, `smtp://host:587` (STARTTLS required),
    /// `smtp://host:587?tls=opportunistic`, `smtp://127.0.0.1:25?tls=none` (plain).
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        // As many connections as a reminder worker has messages in flight.
        let pool = PoolConfig::new().max_size(SENDING_AT_ONCE as u32);
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp_url_with_tls(url))
            .map_err(|e| MailError::Transport(e.to_string()))?
            .pool_config(pool)
            .build();
        let from = from
            .parse()
            .map_err(|_| MailError::Sender(from.to_owned()))?;
        Ok(SmtpMailer { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn deliver(&self, mail: OutgoingMail) -> Result<String, MailError> {
        let to: Mailbox = mail.to.parse().map_err(|_| MailError::Recipient)?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject);
        if let Some(url) = mail.list_unsubscribe {
            builder = builder
                .header(ListUnsubscribe(format!("<{url}>")))
                .header(ListUnsubscribePost);
        }
        let message = match mail.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(mail.text, html)),
            None => builder.header(ContentType::TEXT_PLAIN).body(mail.text),
        }
        .map_err(|e| MailError::Transport(e.to_string()))?;
        // The server's words may quote the address: only its reply code is kept.
        let response = self.transport.send(message).await.map_err(|e| {
            let what = match e.status() {
                Some(code) => format!("SMTP {code}"),
                None if e.is_timeout() => "timed out".to_owned(),
                None => "no connection".to_owned(),
            };
            if e.is_permanent() {
                MailError::Refused(what)
            } else {
                MailError::Transport(what)
            }
        })?;
        // "2.0.0 Ok: queued as 4Bx…": the server's own name for the message.
        let reply: Vec<&str> = response.message().collect();
        Ok(reply.join(" ").chars().take(200).collect())
    }
}

/// `List-Unsubscribe: <https://…>`: where a mail client unsubscribes its reader.
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`: the address takes a one-click POST
/// (RFC 8058) and needs no page visit.
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::smtp_url_with_tls;

    #[test]
    fn smtp_requires_starttls_unless_the_url_says_otherwise() {
        assert_eq!(
            smtp_url_with_tls("smtp://mail.example.org:587"),
            "smtp://mail.example.org:587?tls=required"
        );
        assert_eq!(
            smtp_url_with_tls("smtp://u:p@mail.example.org:587?tls=opportunistic"),
            "smtp://u:p@mail.example.org:587?tls=opportunistic"
        );
        assert_eq!(
            smtp_url_with_tls("smtp://127.0.0.1:2525?tls=none"),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            smtp_url_with_tls("smtps://mail.example.org"),
            "smtps://mail.example.org"
        );
    }
}
