//! Stopping a channel from a message, without signing in. Each email carries a link with a
//! token sealed by the secret keys (AES-256-GCM: opaque, so the address shows no patient or
//! clinic, and unforgeable); opening it shows a page with one button, and a mail client's
//! RFC 8058 one-click POST to the `List-Unsubscribe` address does the same at once. Either
//! turns the channel off on the patient's profile, cancels what was waiting on it, and is
//! audited in the clinic that sent the message.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::error::AppError;
use crate::model::reminders::{Channel, DeliveryStatus, ReminderKind};
use crate::server::audit::{self, AuditEntry, AuditKey};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{patient_profiles, reminders};
use crate::server::request::RequestMeta;
use crate::server::secret_box::{Sealed, SecretKeys};

/// What the token is sealed for, so that no other sealed value opens as one.
const CONTEXT: &[u8] = b"salus reminder unsubscribe";
/// The page the link opens.
pub const PAGE: &str = "/unsubscribe";
/// Where a mail client's one-click POST goes (RFC 8058).
pub const ONE_CLICK: &str = "/api/reminders/unsubscribe";

const INVALID: &str = "This unsubscribe link is not valid. Sign in and change your reminders on your profile instead.";

/// What a token names: whose channel, from which clinic's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub clinic_id: i64,
    pub patient_id: i64,
    pub channel: Channel,
}

impl Unsubscribe {
    pub fn token(&self, keys: &SecretKeys) -> String {
        let plain = format!(
            "{}:{}:{}",
            self.clinic_id,
            self.patient_id,
            self.channel.as_str()
        );
        let sealed = keys.seal(plain.as_bytes(), CONTEXT);
        format!("{}.{}", sealed.key_id, sealed.data)
    }

    pub fn read(keys: &SecretKeys, token: &str) -> Option<Self> {
        let (key_id, data) = token.trim().split_once('.')?;
        let sealed = Sealed {
            key_id: key_id.to_owned(),
            data: data.to_owned(),
        };
        let plain = String::from_utf8(keys.open(&sealed, CONTEXT).ok()?).ok()?;
        let mut parts = plain.splitn(3, ':');
        let clinic_id = parts.next()?.parse().ok()?;
        let patient_id = parts.next()?.parse().ok()?;
        let channel = parts.next()?;
        let channel = Channel::parse(channel)?;
        Some(Unsubscribe {
            clinic_id,
            patient_id,
            channel,
        })
    }

    /// The page's address, for the message's text.
    pub(crate) fn page_url(&self, keys: &SecretKeys, public_url: &str) -> String {
        format!(
            "{}{PAGE}?token={}",
            public_url.trim_end_matches('/'),
            self.token(keys)
        )
    }

    /// The one-click address, for the `List-Unsubscribe` header.
    pub(crate) fn one_click_url(&self, keys: &SecretKeys, public_url: &str) -> String {
        format!(
            "{}{ONE_CLICK}?token={}",
            public_url.trim_end_matches('/'),
            self.token(keys)
        )
    }
}

/// Which of a patient's waiting reminders a change stops.
#[derive(Debug, Clone, Copy)]
pub enum Waiting {
    /// Everything on one channel.
    Channel(Channel),
    /// Goal nudges, on every channel.
    GoalNudges,
}

/// Cancels the patient's reminders that `which` names and that are waiting (in every clinic the
/// connection reaches), with `why`.
pub(crate) async fn cancel_waiting<C: ConnectionTrait>(
    conn: &C,
    patient: i64,
    which: Waiting,
    why: &str,
) -> Result<u64, AppError> {
    let update = reminders::Entity::update_many()
        .col_expr(
            reminders::Column::Status,
            Expr::value(DeliveryStatus::Cancelled),
        )
        .col_expr(reminders::Column::LastError, Expr::value(Some(why)))
        .filter(reminders::Column::PatientId.eq(patient))
        .filter(reminders::Column::Status.eq(DeliveryStatus::Pending));
    let update = match which {
        Waiting::Channel(channel) => update.filter(reminders::Column::Channel.eq(channel)),
        Waiting::GoalNudges => update.filter(reminders::Column::Kind.eq(ReminderKind::GoalNudge)),
    };
    Ok(update.exec(conn).await?.rows_affected)
}

/// Turns off the channel a token names; returns it. A second use changes nothing and says the
/// same.
pub async fn unsubscribe(
    db: &DatabaseConnection,
    keys: &SecretKeys,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    token: &str,
) -> Result<Channel, AppError> {
    let stop = Unsubscribe::read(keys, token).ok_or_else(|| AppError::field("token", INVALID))?;
    // The clinic's own task: it reaches its patients' profiles and its reminders, nobody else's.
    let txn = db_context::begin(db, DbContext::ClinicTask(stop.clinic_id)).await?;
    let column = if stop.channel == Channel::Sms {
        patient_profiles::Column::SmsReminders
    } else {
        patient_profiles::Column::EmailReminders
    };
    let turned_off = patient_profiles::Entity::update_many()
        .col_expr(column, Expr::value(false))
        .col_expr(patient_profiles::Column::UpdatedAt, Expr::value(now))
        .filter(patient_profiles::Column::UserId.eq(stop.patient_id))
        .filter(column.eq(true))
        .exec(&txn)
        .await?
        .rows_affected;
    let why = if stop.channel == Channel::Email {
        "the patient unsubscribed from email"
    } else {
        "the patient unsubscribed from texts"
    };
    cancel_waiting(&txn, stop.patient_id, Waiting::Channel(stop.channel), why).await?;
    if turned_off > 0 {
        audit::record(
            &txn,
            audit_key,
            now,
            meta,
            AuditEntry {
                actor_user_id: Some(stop.patient_id),
                actor_role: Some("patient".into()),
                clinic_id: Some(stop.clinic_id),
                patient_id: Some(stop.patient_id),
                action: "reminders.unsubscribed",
                resource: Some(format!("channel:{}", stop.channel.as_str())),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(stop.channel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_unaltered_and_names_nothing_readable() {
        let keys = SecretKeys::generate();
        let stop = Unsubscribe {
            clinic_id: 7,
            patient_id: 42,
            channel: Channel::Email,
        };
        let token = stop.token(&keys);
        assert_eq!(Unsubscribe::read(&keys, &token), Some(stop.clone()));
        assert_ne!(
            stop.token(&keys),
            token,
            "sealed afresh each time: not an identifier"
        );
        let mut altered = token.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            Unsubscribe::read(&keys, &String::from_utf8(altered).unwrap()),
            None
        );
        assert_eq!(Unsubscribe::read(&SecretKeys::generate(), &token), None);
        assert_eq!(Unsubscribe::read(&keys, "k1.00"), None);
        assert_eq!(Unsubscribe::read(&keys, "nonsense"), None);
    }
}
