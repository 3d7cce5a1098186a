//! The portal API's messages from the wire: every request and answer body as JSON (both the
//! service and the client read them), the error codes, and the field rules the service applies
//! to what it reads. Never panics; normalised values pass their own checks; what parses writes
//! back to the same thing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealmail::sealed::api::{
    Discovery, ErrorBody, ErrorCode, OtpAccepted, OtpRequest, RegisterRequest, UnsealRequest,
    UnsealResponse,
};
use sealmail::sealed::fields;

fn round_trip<T>(data: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let json = serde_json::to_vec(&value).expect("an API body serialises");
        let again: T = serde_json::from_slice(&json).expect("an API body's own JSON parses");
        assert_eq!(value, again, "an API body does not survive its own JSON");
    }
}

fn check_fields(text: &str) {
    let _ = fields::check_origin(text);
    let _ = fields::is_valid_id(text);
    let _ = fields::b64url_decode(text);
    let _ = sealmail::net::is_loopback_host(text);
    if let Ok(address) = fields::normalize_address(text) {
        assert!(
            fields::check_address(&address).is_ok(),
            "{address:?} normalised but refused"
        );
    }
    if fields::check_address(text).is_ok() {
        assert_eq!(
            fields::normalize_address(text).as_deref(),
            Ok(text),
            "a valid address changed"
        );
    }
    if let Ok(time) = fields::check_timestamp(text) {
        assert_eq!(
            fields::format_timestamp(time),
            text,
            "a timestamp does not format back"
        );
    }
    if let Ok(to) = fields::normalize_recipients(text.split(',')) {
        assert!(
            fields::check_recipients(&to).is_ok(),
            "{to:?} normalised but refused"
        );
    }
    if let Some(code) = ErrorCode::parse(text) {
        assert_eq!(code.as_str(), text);
        assert!((400..600).contains(&code.status()));
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<Discovery>(data);
    round_trip::<OtpAccepted>(data);
    round_trip::<ErrorBody>(data);
    // The request bodies the service reads, and the unseal answer the client reads.
    if let Ok(r) = serde_json::from_slice::<RegisterRequest>(data) {
        check_fields(&r.id);
        check_fields(&r.from);
        check_fields(&r.key);
        for to in &r.to {
            check_fields(to);
        }
        if let Ok(to) = fields::normalize_recipients(r.to.iter().map(String::as_str)) {
            assert!(fields::check_recipients(&to).is_ok());
        }
        if let Some(expires) = &r.expires {
            check_fields(expires);
        }
    }
    if let Ok(r) = serde_json::from_slice::<OtpRequest>(data) {
        check_fields(&r.id);
        check_fields(&r.email);
    }
    if let Ok(r) = serde_json::from_slice::<UnsealRequest>(data) {
        check_fields(&r.id);
        for s in [&r.email, &r.otp, &r.id_token, &r.session]
            .into_iter()
            .flatten()
        {
            check_fields(s);
        }
    }
    if let Ok(r) = serde_json::from_slice::<UnsealResponse>(data) {
        let _ = sealmail::sealed::envelope::ContentKey::from_b64url(&r.key);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check_fields(text);
    }
});
