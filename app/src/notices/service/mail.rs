//! A notice by email: one message over plain SMTP (RFC 5321) to the server `smtp_server` names,
//! as a local relay (Postfix, a company's relay) takes it. Each step has a time limit, so a mail
//! server that stops answering holds nothing.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::reload_tasks::rules::recurrence::{civil_from_days, weekday_of};

const STEP: Duration = Duration::from_secs(15);

pub struct Message<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub date_ms: i64,
}

/// A header's value on one line: no line breaks, and non-ASCII text as RFC 2047 words.
fn header_text(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.is_ascii() {
        flat
    } else {
        format!("=?UTF-8?B?{}?=", base64(flat.as_bytes()))
    }
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// RFC 5322's date: `Mon, 07 Dec 2026 03:00:00 +0000`.
fn date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ms.div_euclid(86_400_000);
    let secs = ms.rem_euclid(86_400_000) / 1000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} +0000",
        DAYS[weekday_of(days) as usize],
        MONTHS[m as usize - 1],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// An address as SMTP takes it: no angle brackets, spaces or line breaks.
fn address(text: &str) -> Result<&str, String> {
    let text = text.trim();
    if text.is_empty() || text.contains(['<', '>', ' ', '\r', '\n']) || !text.contains('@') {
        return Err(format!("\"{text}\" is not an email address"));
    }
    Ok(text)
}

/// The message as DATA carries it: headers, a blank line, the body with CRLF line ends and
/// lines that start with a dot doubled (RFC 5321 §4.5.2), and the closing dot.
pub fn wire(message: &Message<'_>, id: &str) -> String {
    let mut text = format!(
        "From: Sightline <{}>\r\nTo: <{}>\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{id}@sightline>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        message.from,
        message.to,
        header_text(message.subject),
        date(message.date_ms),
    );
    for line in message.body.lines() {
        if line.starts_with('.') {
            text.push('.');
        }
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str(".\r\n");
    text
}

async fn reply(reader: &mut BufReader<TcpStream>, expect: &[&str]) -> Result<(), String> {
    loop {
        let mut line = String::new();
        let read = tokio::time::timeout(STEP, reader.read_line(&mut line))
            .await
            .map_err(|_| "the mail server did not answer in time".to_string())?
            .map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("the mail server closed the connection".into());
        }
        // "250-..." lines continue; "250 ..." ends the reply.
        if line.as_bytes().get(3) == Some(&b'-') {
            continue;
        }
        return if expect.iter().any(|code| line.starts_with(code)) {
            Ok(())
        } else {
            Err(format!("the mail server answered: {}", line.trim_end()))
        };
    }
}

async fn say(reader: &mut BufReader<TcpStream>, text: &str, expect: &[&str]) -> Result<(), String> {
    tokio::time::timeout(STEP, reader.get_mut().write_all(text.as_bytes()))
        .await
        .map_err(|_| "the mail server did not take the message in time".to_string())?
        .map_err(|e| e.to_string())?;
    reply(reader, expect).await
}

/// Sends one message.
pub async fn send(server: &str, message: &Message<'_>) -> Result<(), String> {
    let from = address(message.from)?;
    let to = address(message.to)?;
    let stream = tokio::time::timeout(STEP, TcpStream::connect(server))
        .await
        .map_err(|_| format!("{server} did not answer in time"))?
        .map_err(|e| format!("{server}: {e}"))?;
    let mut reader = BufReader::new(stream);
    reply(&mut reader, &["220"]).await?;
    say(&mut reader, "EHLO sightline\r\n", &["250"]).await?;
    say(&mut reader, &format!("MAIL FROM:<{from}>\r\n"), &["250"]).await?;
    say(&mut reader, &format!("RCPT TO:<{to}>\r\n"), &["250", "251"]).await?;
    say(&mut reader, "DATA\r\n", &["354"]).await?;
    say(&mut reader, &wire(message, &crate::ids::new_id()), &["250"]).await?;
    let _ = say(&mut reader, "QUIT\r\n", &["221"]).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_written_as_smtp_carries_it() {
        let message = Message {
            from: "sightline@example.org",
            to: "ada@example.org",
            subject: "Reload failed: Ventes été\r\nBcc: evil@example.org",
            body: "The file is gone.\n.hidden line\nBye",
            date_ms: 1_796_612_400_000,
        };
        let text = wire(&message, "abc");
        assert!(
            text.contains("Date: Mon, 07 Dec 2026 03:00:00 +0000\r\n"),
            "{text}"
        );
        // The subject stays one header: its line break cannot add a Bcc.
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(text.contains("Subject: =?UTF-8?B?"), "{text}");
        assert!(text.contains("\r\n..hidden line\r\n"), "{text}");
        assert!(text.ends_with("Bye\r\n.\r\n"), "{text}");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"M"), "TQ==");
        assert!(address("a b@example.org").is_err());
        assert!(address("ada@example.org>\r\nRCPT TO:<x@y").is_err());
    }
}
