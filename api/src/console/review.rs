//! Recording a supervisor's decision from the punch page's form: the same rules as the
//! JSON API's `POST /v1/punches/{id}/review` (a rejection needs a reason), kept beside the
//! machine's verdict, never over it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use punchline_domain::{PunchId, Review, ReviewDecision};
use serde::Deserialize;

use super::error::ConsoleError;
use super::punch::{self, Refused};
use super::session::ConsoleUser;
use crate::error::ApiError;
use crate::schema::review::ReviewBody;
use crate::state::AppState;

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: String,
    /// Absent when no radio button was chosen.
    decision: Option<String>,
    #[serde(default)]
    reason: String,
}

/// `POST /console/punches/{id}/review`: recorded, then back to the punch's audit trail;
/// refused, the page again with the message and what was typed (`422`).
pub async fn submit(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, ConsoleError> {
    user.check_csrf(&form.csrf)?;
    let id: PunchId = id.parse().map_err(|_| ConsoleError::not_found("punch"))?;
    state.records.punch(user.org, id).await?.ok_or(ConsoleError::not_found("punch"))?;
    let decision = form.decision.as_deref().and_then(|d| d.parse::<ReviewDecision>().ok());
    let checked = match decision {
        None => Err(ApiError::Invalid("choose approve or reject".into())),
        Some(decision) => {
            ReviewBody { decision, reason: form.reason.clone() }.checked_reason().map(|r| (decision, r))
        }
    };
    let (decision, reason) = match checked {
        Ok(ok) => ok,
        Err(refusal) => {
            let refused = Refused { message: refusal.to_string(), decision, reason: form.reason };
            let page = punch::render(&state, &user, id, Some(&refused)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    state.members.ensure(state.records.as_ref(), &user.caller()).await?;
    let review = Review { decision, reviewer: user.user, at: Utc::now(), reason };
    state.records.add_review(user.org, id, &review).await?;
    Ok(Redirect::to(&format!("/console/punches/{id}#audit")).into_response())
}
