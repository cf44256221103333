//! What a reminder says. It names the clinic and says that something is waiting in the portal,
//! with a link; it never names a test, a condition or a value, so it is safe in any inbox or on
//! any lock screen. Email goes as plain text and HTML from the same words, with the signed
//! unsubscribe link in both and the one-click address in `List-Unsubscribe`.
use super::{About, CareReminder};
use crate::server::mail::OutgoingMail;
use crate::server::sms::OutgoingSms;

/// Who a reminder comes from and where the portal is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sender<'a> {
    pub clinic_name: &'a str,
    /// The name the clinic's reminders are sent in.
    pub sender_name: &'a str,
    pub public_url: &'a str,
}

impl Sender<'_> {
    fn base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
}

/// Where an email's reader stops that channel: the page behind the link, and the address a
/// mail client posts to for one-click unsubscribe (RFC 8058).
#[derive(Debug, Clone)]
pub(crate) struct UnsubscribeLinks {
    pub page: String,
    pub one_click: String,
}

/// The sentence that says what waits, naming the clinic (`clinic`, already escaped for HTML
/// where it goes into HTML).
fn what_waits(about: About, clinic: &str) -> String {
    match about {
        About::Care(reminder) => {
            let when = match reminder {
                CareReminder::DueSoon => "coming up soon",
                CareReminder::Due => "due now",
                CareReminder::Overdue => "overdue",
            };
            format!("{clinic} has a preventive-care reminder for you that is {when}.")
        }
        About::GoalNudge => format!(
            "Your wellness goals with {clinic} have nothing logged for today yet: a minute now \
             keeps your streak going."
        ),
    }
}

fn subject(about: About, sender_name: &str) -> String {
    match about {
        About::Care(_) => format!("{sender_name}: a reminder is waiting in your patient portal"),
        About::GoalNudge => {
            format!("{sender_name}: today's goals are waiting in your patient portal")
        }
    }
}

/// The email for a reminder to `to`.
pub(crate) fn reminder_email(
    about: About,
    from: Sender<'_>,
    to: String,
    unsubscribe: UnsubscribeLinks,
) -> OutgoingMail {
    let base = from.base();
    let text = format!(
        "Hello,\n\n\
         {what} The details are in Salus, your patient portal:\n{base}/patient\n\n\
         You get these emails because you chose email reminders. To stop them:\n{page}\n",
        what = what_waits(about, from.clinic_name),
        page = unsubscribe.page,
    );
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>A reminder is waiting in your patient portal</title></head>\
         <body style=\"font-family: sans-serif; color: #0f172a; line-height: 1.5\">\
         <p>Hello,</p>\
         <p>{what} The details are in Salus, your patient portal.</p>\
         <p><a href=\"{portal}\" style=\"color: #115e59\">Open your patient portal</a></p>\
         <p style=\"font-size: 0.875em; color: #475569\">You get these emails because you chose \
         email reminders. <a href=\"{page}\" style=\"color: #475569\">Stop these emails</a>.</p>\
         </body></html>\n",
        what = what_waits(about, &escape(from.clinic_name)),
        portal = escape(&format!("{base}/patient")),
        page = escape(&unsubscribe.page),
    );
    OutgoingMail {
        to,
        subject: subject(about, from.sender_name),
        text,
        html: Some(html),
        list_unsubscribe: Some(unsubscribe.one_click),
    }
}

/// The text message for a reminder to `to` (E.164): short enough for one or two parts.
pub(crate) fn reminder_sms(
    about: About,
    from: Sender<'_>,
    to: String,
    status_callback: String,
) -> OutgoingSms {
    let base = from.base();
    let what = match about {
        About::Care(CareReminder::DueSoon) => "a preventive-care reminder is coming up soon",
        About::Care(CareReminder::Due) => "a preventive-care reminder is due now",
        About::Care(CareReminder::Overdue) => "a preventive-care reminder is overdue",
        About::GoalNudge => "today's goals have nothing logged yet",
    };
    OutgoingSms {
        to,
        body: format!(
            "{}: {what}. Details in your patient portal: {base}/patient. To stop these texts, \
             change your profile.",
            from.sender_name
        ),
        status_callback: Some(status_callback),
    }
}

/// Text made safe inside HTML, attributes included.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: Sender<'static> = Sender {
        clinic_name: "Sunrise <Wellness> Clinic",
        sender_name: "Sunrise",
        public_url: "https://portal.example.org/",
    };

    fn links() -> UnsubscribeLinks {
        UnsubscribeLinks {
            page: "https://portal.example.org/unsubscribe?token=k1.ab".into(),
            one_click: "https://portal.example.org/api/reminders/unsubscribe?token=k1.ab".into(),
        }
    }

    #[test]
    fn a_reminder_names_the_clinic_and_the_portal_and_nothing_clinical() {
        let mail = reminder_email(
            About::Care(CareReminder::Overdue),
            FROM,
            "david@example.com".into(),
            links(),
        );
        let html = mail.html.as_deref().unwrap();
        assert!(mail.text.contains("Sunrise <Wellness> Clinic"));
        assert!(html.contains("Sunrise &lt;Wellness&gt; Clinic"), "escaped");
        assert!(mail.text.contains("https://portal.example.org/patient\n"));
        assert!(html.contains("href=\"https://portal.example.org/patient\""));
        assert!(mail.text.contains("/unsubscribe?token=k1.ab"));
        assert!(html.contains("/unsubscribe?token=k1.ab"));
        assert_eq!(
            mail.list_unsubscribe.as_deref(),
            Some("https://portal.example.org/api/reminders/unsubscribe?token=k1.ab")
        );
        assert!(mail.subject.starts_with("Sunrise: "));
        let sms = reminder_sms(
            About::Care(CareReminder::Due),
            FROM,
            "+15550100199".into(),
            "https://portal.example.org/api/sms/status/1".into(),
        );
        assert!(sms.body.starts_with("Sunrise: "));
        assert!(sms.body.contains("https://portal.example.org/patient."));
        let nudge = reminder_email(About::GoalNudge, FROM, "d@example.com".into(), links());
        assert!(nudge
            .text
            .contains("with Sunrise <Wellness> Clinic have nothing logged"));
        assert!(nudge.subject.contains("today's goals"));
        assert!(sms.body.len() <= 306, "two SMS parts at most");
        for words in [&mail.text, html, &sms.body] {
            for clinical in ["blood", "test", "vaccin", "dental", "screening"] {
                assert!(!words.to_lowercase().contains(clinical), "{clinical}");
            }
        }
    }
}
