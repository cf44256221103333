//! What an account's own pages show: who is signed in, the second step, the email address's
//! verification, the signed-in devices.
use serde::{Deserialize, Serialize};

use super::Role;

text_enum! {
    /// What a recorded consent is to.
    pub enum ConsentKind {
        /// The privacy policy's use of the patient's data.
        DataUse = "data_use",
    }
}

/// The signed-in user as the browser knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub name: String,
    pub role: Role,
    /// The role's name: a built-in role's label, or the name a clinic gave its own role.
    pub role_name: String,
    /// The portal they work in.
    pub home: String,
    /// The names of the permissions they hold (`staff.manage`, ...), so that a portal shows
    /// only the sections they may use. The server checks each request all the same.
    pub permissions: Vec<String>,
    pub clinic_name: Option<String>,
}

/// An authenticator to set up: the secret as a QR code (SVG drawn on the server) and as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub qr_svg: String,
    /// Base32, in groups of four, for typing into the app by hand.
    pub secret: String,
    pub account: String,
}

/// The account's email address, and whether its owner confirmed it through the mailed link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailStatus {
    pub email: String,
    pub verified: bool,
}

/// Whether the user signs in with a second step, and whether they must.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepStatus {
    pub enrolled: bool,
    pub required: bool,
    pub recovery_codes_left: usize,
}

/// One signed-in session of the user, as their security page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInDevice {
    /// Names the session to end it: a hash of its id, never the id the cookie holds.
    pub key: String,
    /// The session this page was loaded with.
    pub current: bool,
    pub signed_in_at: String,
    pub last_active: String,
    pub address: Option<String>,
    pub browser: String,
}
