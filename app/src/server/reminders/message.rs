//! What a reminder says. It names the clinic and says that something is waiting in the portal,
//! with a link; it never names a test, a condition or a value, so it is safe in any inbox.
use super::CareReminder;
use crate::server::mail::OutgoingMail;

/// The email for a care reminder to `to`.
pub fn care_email(
    reminder: CareReminder,
    clinic_name: &str,
    sender_name: &str,
    public_url: &str,
    to: String,
) -> OutgoingMail {
    let base = public_url.trim_end_matches('/');
    let when = match reminder {
        CareReminder::DueSoon => "coming up soon",
        CareReminder::Due => "due now",
        CareReminder::Overdue => "overdue",
    };
    OutgoingMail {
        to,
        subject: format!("{sender_name}: a reminder is waiting in your patient portal"),
        text: format!(
            "Hello,\n\n\
             {clinic_name} has a preventive-care reminder for you that is {when}. The details \
             are in Salus, your patient portal:\n{base}/patient\n\n\
             You get these emails because you chose email reminders. To stop them, untick \
             \"Email me reminders\" on your profile:\n{base}/patient/profile\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_names_the_clinic_and_the_portal_and_nothing_clinical() {
        let mail = care_email(
            CareReminder::Overdue,
            "Sunrise Wellness Clinic",
            "Sunrise",
            "https://portal.example.org/",
            "david@example.com".into(),
        );
        assert!(mail.text.contains("Sunrise Wellness Clinic"));
        assert!(mail.text.contains("https://portal.example.org/patient\n"));
        assert!(mail.subject.starts_with("Sunrise: "));
        for clinical in ["blood", "test", "vaccin", "dental", "screening"] {
            assert!(!mail.text.to_lowercase().contains(clinical), "{clinical}");
        }
    }
}
