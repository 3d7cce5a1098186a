//! The TOML config: parsing any text, then resolving every account and the reader settings
//! the way the reader does at start. Never panics. Resolving runs no command and reads no
//! secret: it only says where secrets would come from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealmail::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::parse(text) else {
        return;
    };
    let _ = config.reader_settings();
    let _ = config.account(None);
    for (i, account) in config.accounts.iter().enumerate() {
        let _ = account.resolve(i);
        if let Some(name) = &account.name {
            let _ = config.account(Some(name));
        }
    }
});
