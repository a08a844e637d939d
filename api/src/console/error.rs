//! What a console page answers when it cannot show what was asked: the same statuses as
//! the JSON API (from [`ApiError`]'s one table), as an HTML page that says what to do.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use punchline_backends::store::StoreError;
use punchline_backends::RecordsError;

use super::layout;
use crate::error::ApiError;
use crate::request_context;

/// Why a console page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No live session: the page explains how to get a login link.
    #[error("you are not signed in, or your session has ended")]
    SignedOut,
    /// A form came back without its session's CSRF token.
    #[error("this form has expired: go back, reload the page and try again")]
    Csrf,
    /// Anything the JSON API would refuse, with its status.
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<RecordsError> for ConsoleError {
    fn from(error: RecordsError) -> ConsoleError {
        ConsoleError::Api(error.into())
    }
}

impl From<StoreError> for ConsoleError {
    fn from(error: StoreError) -> ConsoleError {
        ConsoleError::Api(error.into())
    }
}

impl ConsoleError {
    /// Not found: another organisation's id answers exactly like an id nobody has.
    pub fn not_found(what: &'static str) -> ConsoleError {
        ConsoleError::Api(ApiError::NotFound(what))
    }

    fn status(&self) -> StatusCode {
        match self {
            ConsoleError::SignedOut => StatusCode::UNAUTHORIZED,
            ConsoleError::Csrf => StatusCode::FORBIDDEN,
            ConsoleError::Api(error) => error.status_and_code().0,
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (title, message) = match &self {
            ConsoleError::SignedOut => ("Sign in", self.to_string()),
            ConsoleError::Csrf => ("Form expired", self.to_string()),
            ConsoleError::Api(ApiError::NotFound(what)) => {
                ("Not found", format!("There is no such {what} in your organisation."))
            }
            ConsoleError::Api(ApiError::Forbidden(why)) => ("Not allowed", (*why).to_owned()),
            ConsoleError::Api(error) if status.is_server_error() => {
                let id = request_context::current_request_id();
                tracing::error!(request_id = id.as_deref().unwrap_or("-"), error = %error, "console page failed");
                let reference = id.map(|id| format!(" (reference {id})")).unwrap_or_default();
                (
                    "Something went wrong",
                    format!("The page could not be shown{reference}. Try again shortly."),
                )
            }
            ConsoleError::Api(error) => ("Cannot do that", error.to_string()),
        };
        let signed_out = matches!(self, ConsoleError::SignedOut);
        (status, layout::error_page(status, title, &message, signed_out)).into_response()
    }
}
