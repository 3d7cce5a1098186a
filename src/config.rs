//! The TOML configuration: accounts, secret sources, reader settings.
