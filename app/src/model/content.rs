//! Public content: health topics and tips as everyone reads them, and as the platform's editors
//! see them (drafts and retired tips too), with every privacy policy version.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

text_enum! {
    /// What a piece of public content is.
    pub enum ContentKind {
        /// A health topic, with its own page.
        Article = "article",
        /// A tip of the day.
        Tip = "tip",
        /// A version of the privacy policy.
        Policy = "policy",
    }
}

text_enum! {
    /// Where a piece of content stands.
    pub enum ContentStatus {
        Draft = "draft",
        Published = "published",
        /// A tip out of the daily turn.
        Retired = "retired",
    }
}

impl ContentStatus {
    pub fn label(self) -> &'static str {
        match self {
            ContentStatus::Draft => "Draft",
            ContentStatus::Published => "Published",
            ContentStatus::Retired => "Retired",
        }
    }
}

/// A health topic's line in the editors' list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub status: ContentStatus,
    pub tags: Vec<String>,
    pub home_position: Option<i32>,
    pub updated: String,
}

/// A health topic as its edit form shows it, with the page as it looks published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicEdit {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Markdown, as typed.
    pub body: String,
    /// Comma-separated, as the form takes them.
    pub tags: String,
    pub status: ContentStatus,
    pub home_position: Option<i32>,
    pub preview: Article,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TipRow {
    pub id: i64,
    pub title: String,
    pub text: String,
    pub category: Option<String>,
    pub status: ContentStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersionRow {
    pub version: String,
    pub title: String,
    pub published: String,
    /// The version in force: the newest.
    pub current: bool,
}

/// The content section's page: every topic, tip and policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentOverview {
    pub topics: Vec<TopicRow>,
    pub tips: Vec<TipRow>,
    pub policies: Vec<PolicyVersionRow>,
}

/// Tags as typed ("Flu, vaccines,  winter") made a tidy list: lower case, trimmed, no blanks,
/// no repeats, in the order typed.
pub fn tidy_tags(typed: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in typed.split(',').map(|t| t.trim().to_lowercase()) {
        if !tag.is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_lower_case_and_unique() {
        assert_eq!(
            tidy_tags(" Flu, vaccines,,FLU , Winter "),
            ["flu", "vaccines", "winter"]
        );
        assert!(tidy_tags(" , ").is_empty());
    }

    #[test]
    fn statuses_round_trip() {
        for status in [
            ContentStatus::Draft,
            ContentStatus::Published,
            ContentStatus::Retired,
        ] {
            assert_eq!(ContentStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ContentStatus::parse("gone"), None);
    }
}

/// The health tip of the patient's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthTip {
    pub title: String,
    pub text: String,
    pub category: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub published_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// The Markdown body as HTML, already sanitised on the server (`server::markdown`).
    pub body_html: String,
    pub tags: Vec<String>,
    pub published_on: NaiveDate,
    /// A privacy policy's version; `None` for a health topic.
    pub version: Option<String>,
}
