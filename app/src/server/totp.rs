//! TOTP codes (RFC 6238, through totp-rs) as authenticator apps make them: SHA-1, 6 digits,
//! 30-second steps. A code is accepted for the current step or one either side (a phone's
//! clock a little off), and never for a step at or before the last one accepted, so a code
//! that was used once, or an older one, can never be used again.
use totp_rs::{Algorithm, Secret, TOTP};

pub(crate) const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// A new random secret.
pub(crate) fn new_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// The secret as people type it into an authenticator app: base32, in groups of four.
pub(crate) fn shown_secret(secret: &[u8]) -> String {
    let Secret::Encoded(text) = Secret::Raw(secret.to_vec()).to_encoded() else {
        unreachable!("to_encoded encodes")
    };
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub(crate) fn otpauth_url(secret: &[u8], issuer: &str, account: &str) -> String {
    let Secret::Encoded(encoded) = Secret::Raw(secret.to_vec()).to_encoded() else {
        unreachable!("to_encoded encodes")
    };
    use crate::routes::encode_path;
    let label = format!("{}:{}", encode_path(issuer), encode_path(account));
    format!(
        "otpauth://totp/{label}?secret={encoded}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        encode_path(issuer)
    )
}

/// The QR code of `text`, drawn as SVG on the server (no outside service sees the secret).
pub fn qr_svg(text: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

fn totp(secret: &[u8]) -> TOTP {
    TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, secret.to_vec())
}

/// The code for the step that `unix_seconds` falls in.
#[cfg(test)]
fn code_at(secret: &[u8], unix_seconds: u64) -> String {
    totp(secret).generate(unix_seconds)
}

/// The step `code` is good for at `unix_seconds`, if any: the current step or one either side,
/// and only a step after `last_accepted`.
pub(crate) fn accepted_step(
    secret: &[u8],
    code: &str,
    unix_seconds: u64,
    last_accepted: Option<i64>,
) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = (unix_seconds / STEP_SECONDS) as i64;
    let totp = totp(secret);
    (now - 1..=now + 1)
        .filter(|step| *step >= 0 && last_accepted.is_none_or(|last| *step > last))
        .find(|step| {
            let expected = totp.generate(*step as u64 * STEP_SECONDS);
            constant_time_eq(expected.as_bytes(), code.as_bytes())
        })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" at 59 s is 94287082
    /// (its last six digits at six digits).
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_test_vectors() {
        assert_eq!(code_at(RFC_SECRET, 59), "287082");
        assert_eq!(code_at(RFC_SECRET, 1_111_111_109), "081804");
        assert_eq!(code_at(RFC_SECRET, 2_000_000_000), "279037");
    }

    #[test]
    fn a_code_is_good_one_step_either_side_and_only_once() {
        let t = 1_111_111_109;
        let step = (t / STEP_SECONDS) as i64;
        let code = code_at(RFC_SECRET, t);
        assert_eq!(accepted_step(RFC_SECRET, &code, t, None), Some(step));
        assert_eq!(
            accepted_step(RFC_SECRET, &code, t + 30, None),
            Some(step),
            "phone 30 s slow"
        );
        assert_eq!(
            accepted_step(RFC_SECRET, &code, t - 30, None),
            Some(step),
            "phone 30 s fast"
        );
        assert_eq!(
            accepted_step(RFC_SECRET, &code, t + 60, None),
            None,
            "two steps is too far"
        );
        assert_eq!(
            accepted_step(RFC_SECRET, &code, t, Some(step)),
            None,
            "used already"
        );
        assert_eq!(
            accepted_step(RFC_SECRET, &code, t, Some(step - 1)),
            Some(step)
        );
        let previous = code_at(RFC_SECRET, t - 30);
        assert_eq!(
            accepted_step(RFC_SECRET, &previous, t, Some(step)),
            None,
            "an older code"
        );
        assert_eq!(
            accepted_step(
                RFC_SECRET,
                &format!("{} {}", &code[..3], &code[3..]),
                t,
                None
            ),
            Some(step)
        );
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(accepted_step(RFC_SECRET, bad, t, None), None, "{bad:?}");
        }
    }

    #[test]
    fn the_secret_is_shown_and_addressed_in_base32() {
        let secret = b"12345678901234567890";
        assert_eq!(
            shown_secret(secret),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        let url = otpauth_url(secret, "Salus", "sarah.chen@example.com");
        assert!(url.starts_with("otpauth://totp/Salus:sarah.chen%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Salus"), "{url}");
        let svg = qr_svg(&url);
        assert!(
            svg.starts_with("<?xml") && svg.contains("<svg"),
            "{}",
            &svg[..60.min(svg.len())]
        );
    }
}
