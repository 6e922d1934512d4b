//! The sign-up form body (`SignupForm::parse`, as poem's `Form` parses it) on any bytes. A body
//! that parses reads back the same after encoding its fields again, and the fields then go
//! through the account rules as the handler applies them (the username trimmed).
#![no_main]

use confab::web::SignupForm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = SignupForm::parse(data) else {
        return;
    };
    let encoded = serde_urlencoded::to_string([
        ("username", &form.username),
        ("password", &form.password),
        ("password_repeat", &form.password_repeat),
    ])
    .expect("strings always encode");
    let again = SignupForm::parse(encoded.as_bytes()).expect("an encoded form parses");
    assert_eq!(again.username, form.username);
    assert_eq!(again.password, form.password);
    assert_eq!(again.password_repeat, form.password_repeat);
    confab_fuzz::username(form.username.trim());
    confab_fuzz::password(&form.password);
});
