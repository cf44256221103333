//! A fake SMS gateway on loopback, in the test process, with Twilio's Messages API shape: it
//! records each request (path, basic auth, form) and answers with the next answer the test
//! queued (201 with a fresh `sid` when none is): another status code, or no answer at all for
//! longer than the gateway client waits.
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// How the gateway answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Status(u16),
    /// Says nothing for longer than the client's timeout.
    Hang,
}

/// A request the gateway received.
#[derive(Debug, Clone)]
pub struct Texted {
    pub path: String,
    pub authorization: String,
    pub form: Vec<(String, String)>,
    /// The sid it answered with (accepted requests only).
    pub sid: Option<String>,
}

impl Texted {
    pub fn field(&self, name: &str) -> &str {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<Texted>,
    answers: VecDeque<Answer>,
}

#[derive(Clone)]
pub struct SmsGateway {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
}

impl SmsGateway {
    pub async fn start() -> SmsGateway {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        SmsGateway { port, shared }
    }

    /// The account address Salus is configured with.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/2010-04-01/Accounts/AC_TEST", self.port)
    }

    pub fn answer_next(&self, answers: &[Answer]) {
        self.shared.lock().unwrap().answers.extend(answers);
    }

    pub fn received(&self) -> Vec<Texted> {
        self.shared.lock().unwrap().received.clone()
    }
}

async fn receive(State(shared): State<Arc<Mutex<Shared>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 16).await.unwrap();
    let mut texted = Texted {
        path: parts.uri.path().to_owned(),
        authorization: parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        form: serde_urlencoded::from_bytes(&body).unwrap_or_default(),
        sid: None,
    };
    let answer = {
        let mut shared = shared.lock().unwrap();
        let answer = shared.answers.pop_front().unwrap_or(Answer::Status(201));
        if answer == Answer::Status(201) {
            texted.sid = Some(format!("SM{:032x}", shared.received.len() + 1));
        }
        shared.received.push(texted.clone());
        answer
    };
    match answer {
        Answer::Hang => {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Answer::Status(201) => (
            StatusCode::CREATED,
            axum::Json(serde_json::json!({ "sid": texted.sid, "status": "queued" })),
        )
            .into_response(),
        Answer::Status(code) => (
            StatusCode::from_u16(code).unwrap(),
            axum::Json(serde_json::json!({ "code": 21211, "message": "The 'To' number +15550100103 is not valid." })),
        )
            .into_response(),
    }
}
