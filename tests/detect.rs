//! Portal-mail detection end to end: every sample of the corpus and of the adversarial set
//! through the built `sealmail inspect`, the list's cheap marks, the command's exit codes and
//! text form, and hostile input.

#[path = "detect/cheap.rs"]
mod cheap;
#[path = "detect/corpus.rs"]
mod corpus;
#[path = "detect/fixtures.rs"]
mod fixtures;
#[path = "detect/hostile.rs"]
mod hostile;
#[path = "detect/inspect_cli.rs"]
mod inspect_cli;
#[path = "detect/openpgp.rs"]
mod openpgp;
#[path = "detect/openpgp_mail.rs"]
mod openpgp_mail;
#[path = "detect/protection.rs"]
mod protection;
#[path = "detect/rules.rs"]
mod rules;
#[path = "detect/smime.rs"]
mod smime;
#[path = "detect/smime_mail.rs"]
mod smime_mail;
