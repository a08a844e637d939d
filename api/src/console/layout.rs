//! The page shell every console page shares (header, navigation, sign-out), the small
//! pieces pages repeat (flag badges, state labels), and the pages of signing in and of
//! errors.

use axum::http::StatusCode;
use axum::response::Html;
use maud::{html, Markup, DOCTYPE};
use punchline_domain::{Flag, ReviewDecision, Severity, VerdictState};

use super::format::flag_label;
use super::session::ConsoleUser;

/// A rendered page.
pub type Page = Html<String>;

/// Which navigation entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Queue,
    Workers,
    Sites,
    Export,
    None,
}

/// A page with the console's header; `user` is `None` on the signed-out pages.
pub fn page(title: &str, user: Option<&ConsoleUser>, section: Section, body: Markup) -> Page {
    let nav = [
        (Section::Queue, "/console/queue", "Review queue"),
        (Section::Workers, "/console/workers", "Timesheets"),
        (Section::Sites, "/console/sites", "Sites"),
        (Section::Export, "/console/export", "Export"),
    ];
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="referrer" content="no-referrer";
                    title { (title) " · punchline" }
                    link rel="stylesheet" href="/console/static/console.css";
                }
                body {
                    a.skip href="#main" { "Skip to content" }
                    header.top {
                        a.brand href="/console/queue" { "punchline" }
                        @if let Some(user) = user {
                            nav aria-label="Console" {
                                ul {
                                    @for (entry, href, label) in nav {
                                        li {
                                            @if entry == section {
                                                a href=(href) aria-current="page" { (label) }
                                            } @else {
                                                a href=(href) { (label) }
                                            }
                                        }
                                    }
                                }
                            }
                            form.signout method="post" action="/console/logout" {
                                input type="hidden" name="csrf" value=(user.csrf);
                                span.who { (user.role.as_str()) }
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                    main #main { (body) }
                }
            }
        }
        .into_string(),
    )
}

/// A flag as a badge: its severity's colour and a readable name.
pub fn flag_badge(flag: &Flag) -> Markup {
    html! {
        span class={ "badge sev-" (flag.severity.as_str()) } title=(flag.message) {
            (flag_label(flag.code))
        }
    }
}

/// Badges for the flags above info (the ones that sent the punch to review).
pub fn serious_badges(flags: &[Flag]) -> Markup {
    html! {
        @for flag in flags.iter().filter(|f| f.severity > Severity::Info) { (flag_badge(flag)) " " }
    }
}

/// The machine's verdict as a short label.
pub fn verdict_label(state: Option<VerdictState>) -> Markup {
    let (class, text) = match state {
        Some(VerdictState::Verified) => ("state ok", "verified"),
        Some(VerdictState::NeedsReview) => ("state warn", "needs review"),
        Some(VerdictState::Failed) => ("state bad", "failed"),
        None => ("state", "processing"),
    };
    html! { span class=(class) { (text) } }
}

/// A supervisor's decision as a short label.
pub fn decision_label(decision: Option<ReviewDecision>) -> Markup {
    match decision {
        Some(ReviewDecision::Approved) => html! { span.state.ok { "approved" } },
        Some(ReviewDecision::Rejected) => html! { span.state.bad { "rejected" } },
        None => html! { span.state { "not reviewed" } },
    }
}

/// What an error answers.
pub fn error_page(status: StatusCode, title: &str, message: &str, signed_out: bool) -> Page {
    page(
        title,
        None,
        Section::None,
        html! {
            section.notice {
                h1 { (title) }
                p { (message) }
                @if signed_out {
                    p { "Ask your administrator for a login link, or run "
                        code { "punchline token --org … --user … --role supervisor --login" } "." }
                } @else {
                    p { a href="/console/queue" { "Back to the review queue" } }
                }
                p.muted { "HTTP " (status.as_u16()) }
            }
        },
    )
}

/// The page a login link opens.
pub fn login_page(token: &str, csrf: &str) -> Page {
    page(
        "Sign in",
        None,
        Section::None,
        html! {
            section.notice {
                h1 { "Sign in to the supervisors' console" }
                p { "This link signs you in once. Continue on this device?" }
                form method="post" action="/console/login" {
                    input type="hidden" name="token" value=(token);
                    input type="hidden" name="csrf" value=(csrf);
                    button.primary type="submit" { "Sign in" }
                }
            }
        },
    )
}

/// A login link that was used or expired.
pub fn link_used_page() -> Page {
    page(
        "Link used",
        None,
        Section::None,
        html! {
            section.notice {
                h1 { "This login link no longer works" }
                p { "Each link signs in once and expires after a few minutes. Ask for a new one." }
            }
        },
    )
}

/// Where signing out lands.
pub fn signed_out_page() -> Page {
    page(
        "Signed out",
        None,
        Section::None,
        html! {
            section.notice {
                h1 { "You are signed out" }
                p { "Your session has ended. A new login link signs you in again." }
            }
        },
    )
}
