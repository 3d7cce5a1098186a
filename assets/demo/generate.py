#!/usr/bin/env python3
"""Writes the demo mailbox's messages (*.eml) next to this script, and their list with folders
and flags to src/demo/messages.rs (which embeds them in the binary with include_bytes!).

Run once after changing it: `python3 assets/demo/generate.py`. Every text here is written for
sealmail's demo; the attachments (a PDF, PNGs, a CSV, an iCalendar file) are generated.
Dates are fixed here; `sealmail --demo` moves them all to end a few minutes before "now".
"""

import base64
import quopri
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ME = "Sam Taylor <sam@example.org>"

# ---------------------------------------------------------------------------- encoders


def b_word(text, charset="UTF-8"):
    """An RFC 2047 B-encoded word."""
    return "=?%s?B?%s?=" % (charset, base64.b64encode(text.encode(charset)).decode())


def q_word(text, charset="UTF-8"):
    """An RFC 2047 Q-encoded word."""
    out = []
    for byte in text.encode(charset):
        c = chr(byte)
        if c == " ":
            out.append("_")
        elif 33 <= byte <= 126 and c not in "=?_\"(),.:;<>@[\\]":
            out.append(c)
        else:
            out.append("=%02X" % byte)
    return "=?%s?Q?%s?=" % (charset, "".join(out))


def b64_lines(data):
    return base64.encodebytes(data).decode().rstrip("\n")


def qp(text, charset="utf-8"):
    return quopri.encodestring(text.encode(charset)).decode().rstrip("\n")


def date(day, time, zone="+0000"):
    """`day` like "2025-04-07", `time` like "09:12"."""
    import datetime

    d = datetime.date.fromisoformat(day)
    weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d.weekday()]
    month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.month - 1]
    return "%s, %d %s %d %s:00 %s" % (weekday, d.day, month, d.year, time, zone)


def headers(**fields):
    names = {
        "from_": "From", "to": "To", "cc": "Cc", "date": "Date", "subject": "Subject",
        "message_id": "Message-ID", "in_reply_to": "In-Reply-To", "references": "References",
        "list_id": "List-Id", "content_type": "Content-Type", "cte": "Content-Transfer-Encoding",
    }
    lines = []
    for key, value in fields.items():
        if value is None:
            continue
        lines.append("%s: %s" % (names[key], value))
    return lines


def message(head, body, mime=True):
    lines = list(head)
    if mime:
        lines.insert(len(lines), "MIME-Version: 1.0")
    return "\n".join(lines) + "\n\n" + body.rstrip("\n") + "\n"


def plain(text, charset="utf-8", encoding=None):
    """(content headers, body) of a text/plain part."""
    if encoding == "quoted-printable":
        return (["Content-Type: text/plain; charset=%s" % charset, "Content-Transfer-Encoding: quoted-printable"], qp(text, charset))
    if encoding == "base64":
        return (["Content-Type: text/plain; charset=%s" % charset, "Content-Transfer-Encoding: base64"], b64_lines(text.encode(charset)))
    return (["Content-Type: text/plain; charset=%s" % charset, "Content-Transfer-Encoding: 8bit"], text)


def html(text):
    return (["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"], qp(text))


def attachment(mime_type, filename_params, data):
    return (
        ["Content-Type: %s" % mime_type, "Content-Disposition: attachment;%s" % filename_params, "Content-Transfer-Encoding: base64"],
        b64_lines(data),
    )


def multipart(kind, boundary, parts):
    """(content headers, body) of a multipart of (headers, body) parts."""
    chunks = ["This is a multi-part message in MIME format."]
    for part_head, part_body in parts:
        chunks.append("--%s\n%s\n\n%s" % (boundary, "\n".join(part_head), part_body.rstrip("\n")))
    chunks.append("--%s--" % boundary)
    return (['Content-Type: multipart/%s; boundary="%s"' % (kind, boundary)], "\n".join(chunks))


def whole(head, part):
    part_head, part_body = part
    return message(list(head) + part_head, part_body)


# ---------------------------------------------------------------------------- attachments


def png(width, height, colour):
    rows = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def pdf(lines):
    text = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join("(%s) '" % l.replace("(", "[").replace(")", "]") for l in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += "%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += "xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += "".join("%010d 00000 n \n" % o for o in offsets)
    out += "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out.encode()


# ---------------------------------------------------------------------------- the messages

MESSAGES = {}  # path -> (text or bytes, or None: made by smime/make.sh; flags, sealed)


def add(path, content, flags="S", sealed=False):
    """`sealed`: the file is the inner message; the demo's portal seals it for Sam at start."""
    MESSAGES[path] = (content, flags, sealed)


add("INBOX/01-welcome.eml", whole(headers(
    from_="sealmail <hello@sealmail.example>", to=ME, date=date("2025-04-07", "09:12"),
    subject="Welcome to sealmail", message_id="<welcome@sealmail.example>"), plain("""\
Hi Sam,

this is the demo mailbox: a few dozen made-up messages to try the reader on,
with no server and no account.

Move with j and k (or the arrow keys), open a message with Enter and go back
with q or Esc. Tab switches panes, / filters the list, and ? lists every key.

Some messages to look at:

  * "The Weekly Terminal" is an HTML newsletter: its links are numbered.
  * "Invoice INV-2025-031" and "Q1 numbers" carry attachments.
  * "Planning the spring offsite" is a long thread.
  * One message tries to attack your terminal with escape sequences and a
    right-to-left override in its sender's name. sealmail shows them as
    harmless symbols instead.
  * Three messages are sealed: open one, ask for a passcode, and the demo's
    own portal mails it to this inbox; sealmail offers to fill it in.
  * A Microsoft protected message and a look-alike that only pretends to be
    one: see how sealmail tells them apart.
  * Four S/MIME messages, signed or encrypted for you: the banner above the
    text says what their signatures and encryption are worth.
  * Press c to write. The demo's own mail server delivers it: to yourself
    (sam@example.org) it arrives in this inbox, to anyone else in Delivered.
    Nothing leaves your machine.

Enjoy,
the sealmail demo
""")), flags="")

add("INBOX/02-weekly-terminal.eml", whole(headers(
    from_="The Weekly Terminal <digest@weekly-terminal.example>", to=ME,
    date=date("2025-04-05", "07:00"), subject="The Weekly Terminal #42: pipes, pagers and patience",
    message_id="<issue-42@weekly-terminal.example>", list_id="The Weekly Terminal <digest.weekly-terminal.example>"), html("""\
<!DOCTYPE html>
<html><head><style>body { font-family: sans-serif } .hidden { display: none }</style></head>
<body>
<h1>The Weekly Terminal</h1>
<p>Issue 42. Three things worth your time this week.</p>
<h2>1. Pipes all the way down</h2>
<p>A gentle walk through <a href="https://weekly-terminal.example/42/pipes">how shell pipelines
buffer their output</a>, and why <code>grep --line-buffered</code> exists.</p>
<h2>2. Choosing a pager</h2>
<p>We compared three pagers on a 2&nbsp;GB log file.
<a href="https://weekly-terminal.example/42/pagers">Read the comparison</a> or jump straight to
<a href="https://weekly-terminal.example/42/pagers#table">the results table</a>.</p>
<h2>3. Patience as a feature</h2>
<p>Slow links are still everywhere: on ships, in the mountains, on the train.
<a href="https://weekly-terminal.example/42/slow">Designing for 9600 baud</a> makes tools better
for everyone.</p>
<ul>
<li>Letters to the editor: <a href="mailto:letters@weekly-terminal.example">letters@weekly-terminal.example</a></li>
<li>Archive: <a href="https://weekly-terminal.example/archive">every past issue</a></li>
</ul>
<table border="1">
<tr><th>Pager</th><th>Opens 2 GB</th><th>Search</th></tr>
<tr><td>pager-a</td><td>0.2 s</td><td>fast</td></tr>
<tr><td>pager-b</td><td>1.9 s</td><td>regex</td></tr>
</table>
<p style="font-size:small"><a href="https://weekly-terminal.example/unsubscribe?u=sam">Unsubscribe</a></p>
</body></html>
""")))

add("INBOX/03-order-shipped.eml", whole(headers(
    from_="Parcel Point <orders@parcelpoint.example>", to=ME, date=date("2025-04-03", "16:40", "+0100"),
    subject="Your order #1042 has shipped", message_id="<order-1042@parcelpoint.example>"),
    multipart("alternative", "alt-1042", [plain("""\
Good news: order #1042 is on its way.

  1 x USB-C cable, 2 m
  1 x Mechanical keyboard (brown switches)

Track it here: https://parcelpoint.example/track/PP1042XYZ

Expected delivery: Monday.
"""), html("""\
<html><body><p><b>Good news:</b> order #1042 is on its way.</p>
<ul><li>1 &times; USB-C cable, 2 m</li><li>1 &times; Mechanical keyboard (brown switches)</li></ul>
<p><a href="https://parcelpoint.example/track/PP1042XYZ">Track your parcel</a></p>
<p>Expected delivery: Monday.</p></body></html>
""")])))

add("INBOX/04-invoice.eml", whole(headers(
    from_="Northwind Hosting <billing@northwind.example>", to=ME, date=date("2025-04-01", "08:05"),
    subject="Invoice INV-2025-031 for March", message_id="<inv-2025-031@northwind.example>"),
    multipart("mixed", "inv-031", [plain("""\
Hello Sam,

please find attached invoice INV-2025-031 for March (EUR 24.00).
It will be charged to your card on file on 15 April.

Northwind Hosting billing
"""), attachment('application/pdf; name="INV-2025-031.pdf"', ' filename="INV-2025-031.pdf"',
        pdf(["Northwind Hosting", "Invoice INV-2025-031", "Period: March 2025", "Small VPS: EUR 20.00", "Backups: EUR 4.00", "Total: EUR 24.00"]))])), flags="FS")

add("INBOX/05-screenshot.eml", whole(headers(
    from_="Priya Raman <priya@devteam.example>", to=ME, date=date("2025-03-31", "14:22", "+0530"),
    subject="Screenshot of the layout bug", message_id="<bug-ui-17@devteam.example>"),
    multipart("mixed", "shot", [plain("""\
Hi Sam,

here is what the list looks like at 80x24 with a very long subject: the date
column is pushed off the edge. Screenshot attached.

Priya
"""), attachment('image/png; name="layout-bug.png"', ' filename="layout-bug.png"', png(32, 20, (200, 60, 60)))])), flags="RS")

add("INBOX/06-q1-numbers.eml", whole(headers(
    from_="%s <tomas@finance.example>" % q_word("Tomás Oliveira"), to=ME, cc="Priya Raman <priya@devteam.example>",
    date=date("2025-03-28", "11:02", "+0000"), subject="Q1 numbers (CSV attached)",
    message_id="<q1-numbers@finance.example>"),
    multipart("mixed", "q1", [plain("""\
Hi both,

the Q1 numbers are in the attached CSV. Short version: hosting costs went
down 8 % after the move, support tickets went up a little.

Tomás
"""), (['Content-Type: text/csv; charset=utf-8; name="q1-2025.csv"', 'Content-Disposition: attachment; filename="q1-2025.csv"'],
       "month,hosting_eur,tickets\n2025-01,1240,31\n2025-02,1175,36\n2025-03,1140,39")])))

add("INBOX/07-uebersicht.eml", whole(headers(
    from_="%s <juergen.mueller@beispiel.example>" % q_word("Jürgen Müller", "ISO-8859-1"), to=ME,
    date=date("2025-04-06", "18:30", "+0200"), subject=q_word("Übersicht für März", "ISO-8859-1"),
    message_id="<uebersicht-maerz@beispiel.example>"),
    multipart("mixed", "uebersicht", [plain("""\
Hallo Sam,

anbei die Übersicht für März als PDF. Die Zahlen für April schicke ich
nächste Woche.

Viele Grüße
Jürgen
""", "iso-8859-1", "quoted-printable"),
        attachment("application/pdf", "\n filename*0*=UTF-8''%C3%9Cbersicht%20M%C3%A4rz;\n filename*1*=%202025.pdf",
                   pdf(["Uebersicht Maerz 2025", "Umsatz: 12.400 EUR", "Kosten: 9.100 EUR"]))])), flags="")

JAPANESE_BODY = """\
サムさん

来週の打ち合わせですが、水曜日の午後二時からでいかがでしょうか。
資料は前日までにお送りします。

よろしくお願いします。
山田
"""
add("INBOX/08-japanese.eml", message(headers(
    from_="%s <yamada@example.jp>" % b_word("山田太郎", "ISO-2022-JP"), to=ME,
    date=date("2025-03-26", "02:15", "+0900"), subject=b_word("来週の打ち合わせについて", "ISO-2022-JP"),
    message_id="<meeting-next-week@example.jp>",
    content_type="text/plain; charset=ISO-2022-JP", cte="7bit"), JAPANESE_BODY.encode("iso2022_jp").decode("ascii")))

add("INBOX/09-russian.eml", whole(headers(
    from_="%s <anna@example.ru>" % b_word("Анна Петрова", "KOI8-R"), to=ME,
    date=date("2025-03-24", "15:48", "+0300"), subject=q_word("Отчёт о поездке", "KOI8-R"),
    message_id="<trip-report@example.ru>"), plain("""\
Привет, Сэм!

Поездка прошла отлично: три встречи, две новые идеи и ни одного
опоздавшего поезда. Подробный отчёт пришлю в пятницу.

Анна
""", "koi8-r", "quoted-printable")))

add("INBOX/10-greek.eml", whole(headers(
    from_="%s <nikos@example.gr>" % b_word("Νίκος Παπαδόπουλος"), to=ME,
    date=date("2025-03-21", "09:30", "+0200"), subject=q_word("Πρόγραμμα συνεδρίου"),
    message_id="<conference-programme@example.gr>"), plain("""\
Γεια σου Sam,

το πρόγραμμα του συνεδρίου είναι έτοιμο. Η ομιλία σου είναι την Πέμπτη
στις 11:00, στην αίθουσα Β.

Νίκος
""", "utf-8", "base64")))

add("INBOX/11-arabic.eml", whole(headers(
    from_="%s <layla@example.org>" % b_word("ليلى حداد"), to=ME,
    date=date("2025-03-19", "12:00", "+0300"), subject=b_word("مرحبا بالفريق — welcome to the team"),
    message_id="<welcome-team@example.org>"), plain("""\
مرحبا سام،

يسعدنا انضمامك إلى الفريق. اجتماعنا الأول يوم الأحد الساعة العاشرة.

Welcome aboard, Sam. Our first meeting is on Sunday at ten.

ليلى
""", "utf-8", "quoted-printable")))

add("INBOX/12-chinese.eml", whole(headers(
    from_="%s <wangfang@example.cn>" % b_word("王芳", "GB2312"), to=ME,
    date=date("2025-03-17", "10:10", "+0800"), subject=b_word("会议纪要", "GB2312"),
    message_id="<minutes-0317@example.cn>"), plain("""\
Sam，你好：

附上本周会议纪要的要点：
一、新版本计划在四月发布；
二、测试环境下周一开放；
三、下次会议时间待定。

王芳
""", "gb2312", "base64")))

# A thread of ten: eight in INBOX, Sam's two replies in Sent.
THREAD = [
    ("Alice Nakamura <alice@example.org>", "2025-03-10", "09:00", "Planning the spring offsite", """\
Hi all,

time to plan the spring offsite. Two questions for now:

1. Which week works: 12 May or 19 May?
2. City or countryside?

Alice
"""),
    ("Ben Okafor <ben@example.org>", "2025-03-10", "10:24", None, """\
19 May works better for me. Countryside, please: I'd like to see a tree.

Ben

> 1. Which week works: 12 May or 19 May?
> 2. City or countryside?
"""),
    ("%s <chloe@example.org>" % q_word("Chloé Martin"), "2025-03-10", "13:05", None, """\
Either week is fine. Countryside gets my vote too, if there is a train.

Chloé
"""),
    (ME, "2025-03-10", "17:40", None, """\
19 May and countryside then? I can look for a place reachable by train.

Sam
"""),
    ("Alice Nakamura <alice@example.org>", "2025-03-11", "08:15", None, """\
Thanks Sam, please do. Budget is about 150 per person per night.

> I can look for a place reachable by train.
"""),
    (ME, "2025-03-12", "19:02", None, """\
Found two options:

  A. A farmhouse 40 minutes from the central station, 12 rooms.
  B. A lake hotel, 1 h 10 by train plus a short bus ride.

Both fit the budget. I lean towards A.
"""),
    ("Ben Okafor <ben@example.org>", "2025-03-13", "09:47", None, """\
A, clearly. Shorter trip, and a farmhouse kitchen means we can cook.
"""),
    ("%s <chloe@example.org>" % q_word("Chloé Martin"), "2025-03-13", "11:30", None, """\
A for me too. Can someone check whether they have a room we can use for
talks, with a projector or a big screen?
"""),
    ("Alice Nakamura <alice@example.org>", "2025-03-14", "16:20", None, """\
They do: a barn with a screen and 30 chairs. I've booked A for 19-21 May.
Calendar invites follow.

> Can someone check whether they have a room we can use for talks?
"""),
    ("Ben Okafor <ben@example.org>", "2025-03-14", "18:55", None, """\
Great, thank you Alice! Should we collect talk ideas in a shared document?
"""),
]
ids = []
inbox_n = 13
for i, (sender, day, time, subject, body) in enumerate(THREAD):
    mid = "<offsite-%02d@example.org>" % (i + 1)
    head = headers(
        from_=sender, to="Team <team@example.org>", cc=None if sender == ME else ME,
        date=date(day, time, "+0100"), subject=subject or "Re: Planning the spring offsite",
        message_id=mid, in_reply_to=ids[-1] if ids else None,
        references=" ".join(ids[-6:]) if ids else None)
    content = whole(head, plain(body))
    if sender == ME:
        add("Sent/offsite-%02d.eml" % (i + 1), content)
    else:
        flags = "" if i == len(THREAD) - 1 else ("RS" if i in (0, 4) else "S")
        add("INBOX/%02d-offsite-%02d.eml" % (inbox_n, i + 1), content, flags)
        inbox_n += 1
    ids.append(mid)

RELEASE_NOTES = ["Lighthouse 3.0 release notes (the long version)", "", "This is every change since 2.4, grouped by area.", ""]
areas = ["Parser", "Renderer", "Storage", "Networking", "Command line", "Documentation", "Tests", "Packaging"]
verbs = ["Fixed", "Improved", "Added", "Removed", "Reworked", "Documented", "Sped up", "Simplified"]
things = ["handling of empty input", "error messages for bad options", "the progress indicator",
          "memory use on large files", "startup time", "the retry logic", "Unicode width handling",
          "the config file loader", "logging to a file", "signal handling on exit"]
n = 1
for a, area in enumerate(areas):
    RELEASE_NOTES.append("== %s ==" % area)
    RELEASE_NOTES.append("")
    for k in range(90):
        RELEASE_NOTES.append("%4d. %s %s (change %d.%d)." % (n, verbs[(k + a) % len(verbs)], things[(k * 3 + a) % len(things)], a + 1, k + 1))
        n += 1
    RELEASE_NOTES.append("")
RELEASE_NOTES.append("That's all. Thank you for reading this far!")
add("INBOX/21-release-notes.eml", whole(headers(
    from_="Lighthouse releases <releases@lighthouse.example>", to=ME, date=date("2025-03-08", "12:00"),
    subject="Lighthouse 3.0 released: the full list of changes", message_id="<lighthouse-3.0@lighthouse.example>"),
    plain("\n".join(RELEASE_NOTES) + "\n")))

ESC = "\x1b"
BEL = "\x07"
hostile_name = "Support Team \u202egnp.exe\u202c " + ESC + "[2J"
add("INBOX/22-hostile.eml", whole(headers(
    from_="%s <support@hostile.example>" % b_word(hostile_name), to=ME,
    date=date("2025-04-04", "03:33"),
    subject="Security demo: this message tries to attack your terminal " + ESC + "]0;pwned" + BEL + " " + ESC + "[31mRED" + ESC + "[0m",
    message_id="<hostile-demo@hostile.example>"),
    multipart("mixed", "hostile", [plain(
        "This message is a test of sealmail's sanitising. Every escape sequence in it\n"
        "is shown as a visible symbol (ESC as \u241b) instead of reaching your terminal.\n\n"
        "A clipboard write (OSC 52): " + ESC + "]52;c;ZWNobyBwd25lZA==" + BEL + "\n"
        "A screen clear: " + ESC + "[2J" + ESC + "[H\n"
        "A window title change: " + ESC + "]2;You have been hacked" + BEL + "\n"
        "A hidden hyperlink: " + ESC + "]8;;https://hostile.example/steal" + ESC + "\\click me" + ESC + "]8;;" + ESC + "\\\n"
        "An 8-bit CSI: \u009b31mred\n"
        "A right-to-left override that makes evil\u202etxt.exe look like a text file.\n"
        "A zero-width space in pay\u200bpal.example.\n"
        "Bell characters: " + BEL + BEL + BEL + "\n"),
        attachment('application/octet-stream; name="invoice\u202efdp.exe"', ' filename="invoice\u202efdp.exe"', b"MZ not really a program\n")])),
    flags="")

add("INBOX/23-forwarded.eml", message(headers(
    from_="%s <chloe@example.org>" % q_word("Chloé Martin"), to=ME, date=date("2025-03-29", "12:45", "+0100"),
    subject="Fwd: Lunch on Friday?", message_id="<fwd-lunch@example.org>",
    content_type='multipart/mixed; boundary="fwd-outer"'), """\
--fwd-outer
Content-Type: text/plain; charset=utf-8

Sam, see below: are you in? The menu is at https://lunch.example/menu

Chloé

--fwd-outer
Content-Type: message/rfc822
Content-Disposition: inline

From: Ben Okafor <ben@example.org>
To: Chloé Martin <chloe@example.org>
Date: Fri, 28 Mar 2025 17:10:00 +0100
Subject: Lunch on Friday?
Message-ID: <lunch-friday@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Lunch on Friday at the noodle place, 12:30? Bring whoever wants to come.

Ben
--fwd-outer--
"""))

ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//sealmail demo//EN
METHOD:REQUEST
BEGIN:VEVENT
UID:design-review-0415@example.org
DTSTART:20250415T120000Z
DTEND:20250415T130000Z
SUMMARY:Design review
LOCATION:Room 3 / video call
ORGANIZER:mailto:alice@example.org
END:VEVENT
END:VCALENDAR
"""
add("INBOX/24-invitation.eml", whole(headers(
    from_="Alice Nakamura <alice@example.org>", to=ME, date=date("2025-04-02", "10:00", "+0100"),
    subject="Invitation: Design review (Tue 15 Apr, 14:00)", message_id="<invite-design-review@example.org>"),
    multipart("mixed", "invite", [plain("""\
You are invited to the design review.

When:  Tuesday 15 April, 14:00-15:00
Where: Room 3, or the video call link in the invitation
"""), (['Content-Type: text/calendar; charset=utf-8; method=REQUEST; name="invite.ics"', 'Content-Disposition: attachment; filename="invite.ics"'], ICS)])))

add("INBOX/25-mailing-list.eml", whole(headers(
    from_="Ravi Kumar <ravi@lists.example>", to="tools@lists.example", date=date("2025-03-30", "20:14", "+0530"),
    subject="Re: [tools] Which terminal font do you use?", message_id="<fonts-7@lists.example>",
    in_reply_to="<fonts-6@lists.example>", references="<fonts-1@lists.example> <fonts-6@lists.example>",
    list_id="Tools discussion <tools.lists.example>"), plain("""\
On Sun, 30 Mar 2025, Mei wrote:
> On Sat, 29 Mar 2025, Jon wrote:
>> Anything with clearly different 0/O and 1/l/I is fine by me.
>
> Agreed. I also want box-drawing characters that join up without gaps,
> or every table looks like a broken fence.

Same here. I settled on a monospace font with a slashed zero years ago and
never looked back. Ligatures are off: I want to see what I typed.

--
Ravi
""")))

add("INBOX/26-hike-photos.eml", whole(headers(
    from_="Mei Lin <mei@example.org>", to=ME, date=date("2025-03-22", "19:05", "+0000"),
    subject="Photos from the hike", message_id="<hike-photos@example.org>"),
    multipart("mixed", "hike-mixed", [
        multipart("related", "hike-related", [
            html("""\
<html><body><p>What a day! The view from the top:</p>
<p><img src="cid:summit@example.org" alt="the summit"></p>
<p>More pictures in <a href="https://photos.example/album/hike-march">the album</a>.</p></body></html>
"""),
            (['Content-Type: image/png; name="summit.png"', "Content-ID: <summit@example.org>",
              'Content-Disposition: inline; filename="summit.png"', "Content-Transfer-Encoding: base64"],
             b64_lines(png(24, 16, (70, 130, 180)))),
        ]),
        attachment('image/png; name="lake.png"', ' filename="lake.png"', png(24, 16, (40, 160, 90))),
    ])))

add("INBOX/27-cafe-menu.eml", whole(headers(
    from_="%s <menu@cafe-lumiere.example>" % q_word("Café Lumière", "ISO-8859-1"), to=ME,
    date=date("2025-03-18", "07:30", "+0100"), subject=q_word("Menü der Woche / menu de la semaine", "ISO-8859-1"),
    message_id="<menu-w12@cafe-lumiere.example>"), plain("""\
Menü der Woche / menu de la semaine

Montag / lundi:      Crème brûlée aux fraises, Kaffee 2,50 €
Dienstag / mardi:    Quiche lorraine, salade verte
Mittwoch / mercredi: Käsespätzle mit Röstzwiebeln
Donnerstag / jeudi:  Soupe à l'oignon gratinée
Freitag / vendredi:  Fisch des Tages / poisson du jour

Guten Appetit ! Bon appétit !
""".replace("€", "EUR"), "iso-8859-1", "quoted-printable")))

add("INBOX/28-no-subject.eml", message([
    "From: Ben Okafor <ben@example.org>", "To: %s" % ME, "Message-ID: <no-subject@example.org>",
    "Content-Type: text/plain; charset=utf-8"], """\
(sent without a subject, and without a Date header: the list shows when it
arrived instead)

Do you still have the charger I lent you?
"""), flags="")

add("INBOX/29-ci-passed.eml", whole(headers(
    from_="CI <ci@builds.example>", to=ME, date=date("2025-04-06", "22:05"),
    subject="[ci] build #1234 passed on main", message_id="<build-1234@builds.example>"), plain("""\
Build #1234 passed on main.

  commit   3f2a9c1  Make the status line show the load progress
  duration 6 min 12 s
  tests    412 passed, 0 failed

Details: https://builds.example/sealmail/1234
""")))

add("INBOX/30-statement.eml", whole(headers(
    from_="Harbor Credit Union <statements@harbor-cu.example>", to=ME, date=date("2025-04-02", "05:00", "-0500"),
    subject="Your March statement is ready", message_id="<statement-2025-03@harbor-cu.example>"),
    multipart("alternative", "stmt", [plain("""\
Your March statement is ready. Sign in to see it: https://harbor-cu.example/statements

Opening balance   1,204.50
Money in            950.00
Money out          -612.35
Closing balance   1,542.15
"""), html("""\
<html><body><p>Your March statement is ready.</p>
<table><tr><td>Opening balance</td><td>1,204.50</td></tr><tr><td>Closing balance</td><td>1,542.15</td></tr></table>
<p><a href="https://harbor-cu.example/statements">Sign in</a></p></body></html>
""")])))

add("Sent/re-screenshot.eml", whole(headers(
    from_=ME, to="Priya Raman <priya@devteam.example>", date=date("2025-03-31", "15:02"),
    subject="Re: Screenshot of the layout bug", message_id="<re-bug-ui-17@example.org>",
    in_reply_to="<bug-ui-17@devteam.example>", references="<bug-ui-17@devteam.example>"), plain("""\
Thanks Priya, I can reproduce it. The date column should keep its width and
the subject should be cut instead. Fix coming.

> the date column is pushed off the edge.
""")))

add("Archive/northwind-welcome.eml", whole(headers(
    from_="Northwind Hosting <hello@northwind.example>", to=ME, date=date("2025-02-20", "10:00"),
    subject="Welcome to Northwind Hosting", message_id="<welcome-sam@northwind.example>"), plain("""\
Your server is ready. Its address and your first steps are on your dashboard:
https://northwind.example/dashboard
""")))

add("Archive/password-changed.eml", whole(headers(
    from_="Northwind Hosting <security@northwind.example>", to=ME, date=date("2025-02-24", "21:13"),
    subject="Your password was changed", message_id="<pw-changed@northwind.example>"), plain("""\
The password of your Northwind account was changed on 24 February at 21:13 UTC.
If this was not you, reply to this message right away.
""")))

add("Archive/badge-pickup.eml", whole(headers(
    from_="Conference desk <desk@conf.example>", to=ME, date=date("2025-03-03", "09:00", "+0100"),
    subject="Badge pickup opens Thursday", message_id="<badge-pickup@conf.example>"), plain("""\
Badges can be picked up from Thursday 10:00 at the main entrance.
Please bring an ID.
""")), flags="FS")

add("Drafts/offsite-notes.eml", whole(headers(
    from_=ME, to="Team <team@example.org>", date=date("2025-04-06", "21:40"),
    subject="Notes for the offsite (draft)", message_id="<offsite-notes-draft@example.org>"), plain("""\
Talk ideas so far:

- How we test against real servers
- Reading mail over a slow link
- (ask Chloé about the accessibility review)
""")), flags="DS")

# ---------------------------------------------------------------------------- sealed and portal mail

add("INBOX/31-sealed-contract.eml", whole(headers(
    from_="Dana Whitfield <dana@whitfield-law.example>", to=ME, date=date("2025-04-07", "08:40"),
    subject="The signed lease", message_id="<lease-signed@whitfield-law.example>"), plain("""\
Hi Sam,

the landlord signed the lease this morning. The important points:

  * Rent: 1,450 a month, due on the first.
  * Deposit: two months, returned within 30 days of moving out.
  * Notice period: three months, either side.

The keys are with the caretaker from Friday. Call me if anything in the
contract surprises you.

Dana Whitfield
Whitfield Law
""")), flags="", sealed=True)

add("INBOX/32-sealed-salary.eml", whole(headers(
    from_="People team <people@northwind.example>", to=ME, date=date("2025-04-07", "07:55"),
    subject="Your salary review", message_id="<salary-review-2025@northwind.example>"),
    multipart("alternative", "salary", [plain("""\
Dear Sam,

following your annual review, your salary rises by 6 % from 1 May.
Your new monthly gross salary and the details of your bonus are in the
letter on the people portal.

Congratulations, and thank you for a great year.

The people team
"""), html("""\
<html><body><p>Dear Sam,</p>
<p>following your annual review, your salary rises by <b>6&nbsp;%</b> from 1 May.
Your new monthly gross salary and the details of your bonus are in
<a href="https://people.northwind.example/letters/2025">the letter on the people portal</a>.</p>
<p>Congratulations, and thank you for a great year.</p><p>The people team</p></body></html>
""")])), flags="", sealed=True)

add("INBOX/33-sealed-results.eml", whole(headers(
    from_="Lakeside Clinic <results@lakeside-clinic.example>", to=ME, date=date("2025-04-06", "16:10"),
    subject="Your test results", message_id="<results-7731@lakeside-clinic.example>"),
    multipart("mixed", "results", [plain("""\
Hello Sam,

your blood test results from 3 April are attached. All values are within
the normal range; no follow-up is needed.

Lakeside Clinic
"""), attachment("text/csv", ' filename="results-2025-04-03.csv"', b"""test,value,unit,range
haemoglobin,14.6,g/dL,13.5-17.5
glucose,88,mg/dL,70-99
cholesterol,172,mg/dL,<200
""")])), flags="", sealed=True)

RPMSG = bytes([0x76, 0xE8, 0x04, 0x60, 0xC4, 0x11, 0xE3, 0x86]) + bytes(range(200))
OME_LINK = ("https://outlook.office365.com/Encryption/retrieve.ashx?recipientemailaddress=sam@example.org"
            "&senderemailaddress=finance@contoso.example&senderorganization=contoso.example"
            "&messageid=5c1f7e0d2a&InternetMessageID=AM9PR04MB8521C3F1A0B27E4D9C6A%40AM9PR04MB8521.eurprd04.prod.outlook.com")

add("INBOX/34-protected-message.eml", whole(headers(
    from_="Contoso Finance <finance@contoso.example>", to=ME, date=date("2025-04-06", "11:20"),
    subject="[Encrypted] Q1 close figures",
    message_id="<AM9PR04MB8521C3F1A0B27E4D9C6A@AM9PR04MB8521.eurprd04.prod.outlook.com>"),
    multipart("mixed", "ome-outer", [multipart("alternative", "ome-alt", [plain("""\
Contoso Finance (finance@contoso.example) has sent you a protected message.

Read the message: %s

Learn about messages protected by Microsoft Purview Message Encryption: https://go.microsoft.com/fwlink/?LinkId=2226516
""" % OME_LINK), html("""\
<html><body><p>Contoso Finance (finance@contoso.example) has sent you a protected message.</p>
<p><a href="%s">Read the message</a></p>
<p style="font-size:small">Learn about messages protected by
<a href="https://go.microsoft.com/fwlink/?LinkId=2226516">Microsoft Purview Message Encryption</a>.</p>
</body></html>
""" % OME_LINK)]), attachment("application/x-microsoft-rpmsg-message", ' filename="message.rpmsg"', RPMSG)])))

LOOKALIKE_LINK = "https://outlook-office365.docs-secure-view.example/Encryption/retrieve.ashx?InternetMessageID=payroll%40contoso.example"

add("INBOX/35-protected-lookalike.eml", whole(headers(
    from_="Microsoft 365 <no-reply@docs-secure-view.example>", to=ME, date=date("2025-04-05", "22:47"),
    subject="You've received an encrypted message", message_id="<a7c1e0@docs-secure-view.example>"),
    multipart("alternative", "lookalike", [plain("""\
Payroll (payroll@contoso.example) has sent you a protected message.

Read the message: %s
""" % LOOKALIKE_LINK), html("""\
<html><body><p>Payroll has sent you a protected message.</p>
<p><a href="%s">Read the message</a></p></body></html>
""" % LOOKALIKE_LINK)])), flags="")

# ---------------------------------------------------------------------------- S/MIME mail

# Made once with openssl by smime/make.sh (encryption is randomised, so they are not remade
# here): kept as they are, and listed.
SMIME = ["INBOX/36-smime-signed-encrypted.eml", "INBOX/37-smime-cbc-only.eml",
         "INBOX/38-smime-not-the-sender.eml", "INBOX/39-smime-self-signed.eml"]
for smime_path in SMIME:
    add(smime_path, None, flags="")

FOLDERS = {"INBOX": "INBOX", "Sent": ".Sent", "Archive": ".Archive", "Drafts": ".Entw&APw-rfe"}


def main():
    for old in HERE.glob("*/*.eml"):
        if old.relative_to(HERE).as_posix() not in SMIME:
            old.unlink()
    for path, (content, _, _) in MESSAGES.items():
        if content is None:
            if not (HERE / path).is_file():
                raise SystemExit("%s is missing: run sh assets/demo/smime/make.sh" % path)
            continue
        target = HERE / path
        target.parent.mkdir(exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        target.write_bytes(data)
    lines = [
        "//! Written by `assets/demo/generate.py`: every demo message, its Maildir++ folder (IMAP",
        "//! modified UTF-7 names, INBOX for the root) and its Maildir flags (`D` draft, `F` flagged,",
        "//! `R` replied, `S` seen; none: unseen, delivered to `new/`). A `sealed` file is the inner",
        "//! message that the demo's portal seals for the demo user at start.",
        "",
        "use super::DemoMessage;",
        "",
        "pub(super) const MESSAGES: &[DemoMessage] = &[",
    ]
    for path, (_, flags, sealed) in sorted(MESSAGES.items()):
        folder = FOLDERS[path.split("/")[0]]
        lines += [
            "    DemoMessage {",
            '        folder: "%s",' % folder,
            '        flags: "%s",' % flags,
            '        path: "%s",' % path,
            '        raw: include_bytes!("../../assets/demo/%s"),' % path,
            "        sealed: %s," % ("true" if sealed else "false"),
            "    },",
        ]
    lines.append("];")
    out = HERE.parent.parent / "src" / "demo" / "messages.rs"
    out.write_text("\n".join(lines) + "\n")
    print("%d messages" % len(MESSAGES))


if __name__ == "__main__":
    main()
