//!
//! <https://tools.ietf.org/html/rfc5256>
//!
//! SORT extension
//!

use std::borrow::Cow;

use nom::{
    bytes::streaming::{tag, tag_no_case, take_while},
    combinator::{map, opt},
    multi::many0,
    sequence::{preceded, terminated},
    IResult, Parser,
};

use crate::{core::number, rfc3501::MailboxDatum};

/// BASE.7.2.SORT. SORT Response
///
/// Data:       zero or more numbers
///
/// The SORT response occurs as a result of a SORT or UID SORT
/// command.  The number(s) refer to those messages that match the
/// search criteria.  For SORT, these are message sequence numbers;
/// for UID SORT, these are unique identifiers.  Each number is
/// delimited by a space.
///
/// Example:
///
/// ```ignore
///     S: * SORT 2 3 6
/// ```
///
/// [RFC5256 - 4 Additional Responses](https://tools.ietf.org/html/rfc5256#section-4)
pub(crate) fn mailbox_data_sort(i: &[u8]) -> IResult<&[u8], MailboxDatum<'_>> {
    map(
        // Technically, trailing whitespace is not allowed for the SEARCH command,
        // but multiple email servers in the wild seem to have it anyway (see #34, #108).
        // Since the SORT command extends the SEARCH command, the trailing whitespace
        // is exceptionnaly allowed here (as for the SEARCH command).
        terminated(
            preceded(tag_no_case("SORT"), many0(preceded(tag(" "), number))),
            opt(tag(" ")),
        ),
        MailboxDatum::Sort,
    )
    .parse(i)
}

/// The rest of a response line, up to (not including) its CRLF.
fn rest_of_line(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while(|c| c != b'\r' && c != b'\n')(i)
}

/// `THREAD` (RFC 5256 section 4): the thread list is handed over unparsed, for the reader's
/// own bounded parser (sealmail patch).
pub(crate) fn mailbox_data_thread(i: &[u8]) -> IResult<&[u8], MailboxDatum<'_>> {
    map(
        preceded(tag_no_case("THREAD"), rest_of_line),
        |data: &[u8]| MailboxDatum::Thread(Cow::Borrowed(data)),
    )
    .parse(i)
}

/// `ESEARCH` (RFC 4731 section 3.1): handed over unparsed, like `THREAD` (sealmail patch).
pub(crate) fn mailbox_data_esearch(i: &[u8]) -> IResult<&[u8], MailboxDatum<'_>> {
    map(
        preceded(tag_no_case("ESEARCH"), rest_of_line),
        |data: &[u8]| MailboxDatum::Esearch(Cow::Borrowed(data)),
    )
    .parse(i)
}
