//! A reminder of the outbox as the worker, a clinic and a patient name it: its channel, what it
//! is about and where it stands.

text_enum! {
    /// How a reminder reaches a patient.
    pub enum Channel {
        Email = "email",
        Sms = "sms",
    }
}

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Email",
            Channel::Sms => "SMS",
        }
    }
}

text_enum! {
    /// What a reminder is about: a care item's status window, or a day's goals.
    pub enum ReminderKind {
        CareDueSoon = "care_due_soon",
        CareDue = "care_due",
        CareOverdue = "care_overdue",
        /// Nothing logged today by the patient's chosen time.
        GoalNudge = "goal_nudge",
    }
}

impl ReminderKind {
    pub fn label(self) -> &'static str {
        match self {
            ReminderKind::CareDueSoon => "Care due soon",
            ReminderKind::CareDue => "Care due",
            ReminderKind::CareOverdue => "Care overdue",
            ReminderKind::GoalNudge => "Goal nudge",
        }
    }
}

text_enum! {
    /// Where a reminder of the outbox stands.
    pub enum DeliveryStatus {
        /// Waiting for its time (a first try, or a retry after a temporary failure).
        Pending = "pending",
        /// Claimed by a worker for a lease.
        Sending = "sending",
        Sent = "sent",
        /// Failed for good; an admin may retry it.
        Dead = "dead",
        /// No longer wanted (the patient turned the channel off, left the clinic, ...).
        Cancelled = "cancelled",
    }
}

text_enum! {
    /// What the clinic's reminders list can be filtered by: a status, with the waiting ones
    /// split into first tries and retries.
    pub enum StatusFilter {
        Pending = "pending",
        Retrying = "retrying",
        Sending = "sending",
        Sent = "sent",
        Dead = "dead",
        Cancelled = "cancelled",
    }
}

impl StatusFilter {
    /// The filter a reminder falls under.
    pub fn of(status: DeliveryStatus, attempts: i32) -> StatusFilter {
        match status {
            DeliveryStatus::Pending if attempts > 0 => StatusFilter::Retrying,
            DeliveryStatus::Pending => StatusFilter::Pending,
            DeliveryStatus::Sending => StatusFilter::Sending,
            DeliveryStatus::Sent => StatusFilter::Sent,
            DeliveryStatus::Dead => StatusFilter::Dead,
            DeliveryStatus::Cancelled => StatusFilter::Cancelled,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::Pending => "Waiting",
            StatusFilter::Retrying => "Retrying",
            StatusFilter::Sending => "Sending",
            StatusFilter::Sent => "Sent",
            StatusFilter::Dead => "Failed for good",
            StatusFilter::Cancelled => "Cancelled",
        }
    }
}
