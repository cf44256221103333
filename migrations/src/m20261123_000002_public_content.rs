//! Public health content every installation starts with: the articles on the home page,
//! the health tips, and the first privacy policy. Later edits happen through the platform admin.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Content {
    Table,
    Slug,
    Kind,
    Title,
    Summary,
    Body,
    Version,
    PublishedAt,
    CreatedAt,
}

/// (slug, kind, title, summary, body, version, published)
const ENTRIES: &[(&str, &str, &str, &str, &str, Option<&str>, &str)] = &[
    (
        "covid-19-updates",
        "article",
        "COVID-19 Updates",
        "Current guidance on vaccination, testing and when to stay home.",
        "Updated COVID-19 vaccines are offered each autumn, and they matter most for people over 65, people who are pregnant and people with long-term conditions.\n\nIf you have symptoms such as fever, cough or a sore throat, stay home until you have had no fever for 24 hours without medicine and you feel better. A home test is most reliable on the second or third day of symptoms.\n\nWash your hands often, let fresh air into shared rooms, and ask your clinic whether you are due for a booster.",
        None,
        "2026-11-20T09:00:00Z",
    ),
    (
        "seasonal-flu-prevention",
        "article",
        "Seasonal Flu Prevention",
        "Why the yearly flu vaccine is worth it, and simple habits that keep flu away.",
        "Flu viruses change every year, so last year's vaccine does not protect you this winter. The best time to be vaccinated is early autumn, before flu starts spreading, but it is never too late in the season.\n\nCover coughs and sneezes, wash your hands with soap for twenty seconds, and stay home when you are ill so you do not pass it on.\n\nIf you are over 65, pregnant, or live with a long-term condition, flu can be serious: ask your clinic about your vaccination.",
        None,
        "2026-11-12T09:00:00Z",
    ),
    (
        "mental-health-awareness",
        "article",
        "Mental Health Awareness",
        "Looking after your mind is part of looking after your health.",
        "One in four people will experience a mental health problem each year. Sleep, movement, time outdoors and contact with people you trust all help keep your mood steady.\n\nNotice changes that last more than two weeks: low mood, losing interest in things you enjoy, trouble sleeping or concentrating. Talking to someone early makes a difference.\n\nYour clinic can help you find support. If you ever feel unsafe, call your local emergency number straight away.",
        None,
        "2026-11-05T09:00:00Z",
    ),
    (
        "privacy-policy",
        "policy",
        "Privacy Policy",
        "How Salus clinics collect, use and protect your health information.",
        "Your clinic uses Salus to help you keep up with your wellness goals and preventive care.\n\nWhat we collect: your name, email address and password (stored only as a one-way hash), the clinic you join, the goal values you log, your profile and the care records your clinic keeps.\n\nWhy: to show you your progress, to remind you of care that is due, and to let the staff of your clinic who care for you see what they need. We never sell your data and never use it for advertising.\n\nWho sees it: you, and staff of the clinics you joined, within their role. Every view of your record by staff is logged, and you can see who viewed it.\n\nYour choices: you can download your data, change your reminder preferences, and withdraw your consent at any time; withdrawing stops sharing with clinics and stops reminders.\n\nSecurity: data is encrypted in transit, sessions end after inactivity, and access is checked on every request.",
        Some("2026-11-01"),
        "2026-11-01T00:00:00Z",
    ),
    ("tip-water-morning", "tip", "Start with water", "Drink a glass of water when you wake up: you have gone all night without.", "", None, "2026-11-01T00:00:00Z"),
    ("tip-walk-after-meals", "tip", "Walk after meals", "A ten-minute walk after a meal helps steady your blood sugar.", "", None, "2026-11-01T00:00:00Z"),
    ("tip-screens-off", "tip", "Screens off before bed", "Put screens away 30 minutes before bed; your sleep will thank you.", "", None, "2026-11-01T00:00:00Z"),
    ("tip-stairs", "tip", "Take the stairs", "Choosing the stairs adds active minutes without adding time to your day.", "", None, "2026-11-01T00:00:00Z"),
    ("tip-vegetables", "tip", "Half a plate of vegetables", "Fill half your plate with vegetables at lunch and dinner.", "", None, "2026-11-01T00:00:00Z"),
    ("tip-regular-sleep", "tip", "Keep a sleep schedule", "Going to bed and getting up at the same times, weekends too, improves sleep quality.", "", None, "2026-11-01T00:00:00Z"),
    ("tip-stretch", "tip", "Stretch every hour", "If you sit for work, stand up and stretch for a minute every hour.", "", None, "2026-11-01T00:00:00Z"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert();
        insert.into_table(Content::Table).columns([
            Content::Slug,
            Content::Kind,
            Content::Title,
            Content::Summary,
            Content::Body,
            Content::Version,
            Content::PublishedAt,
            Content::CreatedAt,
        ]);
        for (slug, kind, title, summary, body, version, published) in ENTRIES {
            let published: chrono::DateTime<chrono::Utc> = published
                .parse()
                .map_err(|e| DbErr::Custom(format!("content date {published}: {e}")))?;
            insert.values_panic([
                (*slug).into(),
                (*kind).into(),
                (*title).into(),
                (*summary).into(),
                (*body).into(),
                version.map(str::to_owned).into(),
                published.into(),
                published.into(),
            ]);
        }
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let slugs: Vec<&str> = ENTRIES.iter().map(|e| e.0).collect();
        m.exec_stmt(
            Query::delete()
                .from_table(Content::Table)
                .and_where(Expr::col(Content::Slug).is_in(slugs))
                .to_owned(),
        )
        .await
    }
}
