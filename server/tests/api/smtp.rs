//! A real SMTP server on loopback, in the test process: it speaks enough of RFC 5321 for
//! lettre (greeting, EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it accepts,
//! and answers each recipient with the next code the test queued (250 when none is).
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    /// The message as sent: headers, a blank line, the body.
    pub data: String,
    /// The queue id it answered with.
    pub queue_id: String,
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    answers: VecDeque<u16>,
}

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let serving = shared.clone();
        tokio::spawn(async move {
            let mut queued = 0_u64;
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                queued += 1_000;
                tokio::spawn(session(socket, serving.clone(), queued));
            }
        });
        SmtpServer { port, shared }
    }

    /// The URL Salus sends to it with (plain SMTP, said so: it is on loopback).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// The answers to the next recipients, in order: 250, a 4xx or a 5xx code.
    pub fn answer_next(&self, codes: &[u16]) {
        self.shared.lock().unwrap().answers.extend(codes);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// How many messages it has accepted.
    pub fn received_count(&self) -> usize {
        self.shared.lock().unwrap().received.len()
    }

    /// Each recipient it accepted messages for, with how many.
    pub fn recipients(&self) -> std::collections::HashMap<String, usize> {
        let mut counted = std::collections::HashMap::new();
        for message in &self.shared.lock().unwrap().received {
            *counted.entry(message.to.clone()).or_insert(0) += 1;
        }
        counted
    }
}

async fn session(socket: tokio::net::TcpStream, shared: Arc<Mutex<Shared>>, first_id: u64) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut next_id = first_id;
    let mut to = String::new();
    let _ = write.write_all(b"220 loopback ESMTP test server\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => "250-loopback\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".into(),
            "HELO" => "250 loopback\r\n".into(),
            "MAIL" => "250 2.1.0 Ok\r\n".into(),
            "RCPT" => {
                to = line.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
                match shared.lock().unwrap().answers.pop_front().unwrap_or(250) {
                    250 => "250 2.1.5 Ok\r\n".into(),
                    code if code < 500 => format!("{code} 4.2.0 try again later\r\n"),
                    code => format!("{code} 5.1.1 no such mailbox here\r\n"),
                }
            }
            "DATA" => {
                let _ = write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await;
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push('\n');
                }
                next_id += 1;
                let queue_id = format!("Q{next_id}");
                shared.lock().unwrap().received.push(Received {
                    to: to.clone(),
                    data,
                    queue_id: queue_id.clone(),
                });
                format!("250 2.0.0 Ok: queued as {queue_id}\r\n")
            }
            "QUIT" => {
                let _ = write.write_all(b"221 2.0.0 Bye\r\n").await;
                return;
            }
            _ => "250 2.0.0 Ok\r\n".into(),
        };
        if write.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}
