//! Postfix: SMTP on loopback, STARTTLS verified against the test CA, delivery into Dovecot,
//! no relaying.
