//! Migrations that change data, run over data as it was before them.
use salus_app::server::entities::{memberships, patient_compliance, provider_assignments, users};
use salus_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

use salus_app::model::{ComplianceLabel, Role};

use crate::helpers::*;

/// Before `m20261207_000026_pending_enrolment`, enrolling an address made an active patient
/// membership at once. The migration takes back those never joined (no consent to that
/// clinic's policy), with the rows the clinic made about them, and leaves the joined ones.
async fn memberships_never_joined_are_taken_back_with_what_the_clinic_made(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // As the tables' owner, as the README's set-up migrates (on SQLite, the one database).
    let owner = salus_server::db::connect(app.owner_database_url())
        .await
        .unwrap();
    // Back to before the migration, whatever has come after it.
    let all = Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == "m20261207_000026_pending_enrolment")
        .expect("the migration");
    Migrator::down(&owner, Some((all.len() - at) as u32))
        .await
        .unwrap();

    let sunrise = sunrise(&app).await;
    let sarah = user_id(&app, PROVIDER).await;
    let now = app.clock.now();
    let legacy = users::Entity::insert(users::ActiveModel {
        email: Set("enrolled.only@example.org".into()),
        password_hash: Set(String::new()),
        display_name: Set("Enrolled Only".into()),
        is_super_admin: Set(false),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap()
    .last_insert_id;
    memberships::Entity::insert(memberships::ActiveModel {
        user_id: Set(legacy),
        clinic_id: Set(sunrise),
        role: Set(Role::Patient),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    patient_compliance::Entity::insert(patient_compliance::ActiveModel {
        clinic_id: Set(sunrise),
        patient_id: Set(legacy),
        patient_name: Set("Enrolled Only".into()),
        label: Set(ComplianceLabel::GoalMet),
        rank: Set(0),
        reason: Set("Goal met".into()),
        days_met: Set(0),
        computed_on: Set(now.date_naive()),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    provider_assignments::Entity::insert(provider_assignments::ActiveModel {
        clinic_id: Set(sunrise),
        provider_id: Set(sarah),
        patient_id: Set(legacy),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();

    Migrator::up(&owner, None).await.unwrap();
    owner.close().await.unwrap();

    let count = |patient: Option<i64>| {
        let db = &app.db;
        async move {
            let members = memberships::Entity::find()
                .filter(memberships::Column::ClinicId.eq(sunrise))
                .filter(memberships::Column::Role.eq("patient"));
            let members = match patient {
                Some(p) => members.filter(memberships::Column::UserId.eq(p)),
                None => members,
            };
            members.count(db).await.unwrap()
        }
    };
    assert_eq!(count(Some(legacy)).await, 0, "never joined: taken back");
    assert_eq!(
        count(None).await,
        3,
        "the demo's patients, who consented, stay"
    );
    for (table, n) in [
        ("patient_compliance", legacy),
        ("provider_assignments", legacy),
    ] {
        let left = app
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table} WHERE patient_id = {n}"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(left, 0, "{table}");
    }
    // The joined patients' rows stay: David's assignment to Sarah.
    let david = user_id(&app, DAVID).await;
    let kept = provider_assignments::Entity::find()
        .filter(provider_assignments::Column::PatientId.eq(david))
        .count(&app.db)
        .await
        .unwrap();
    assert!(kept > 0);
}

crate::on_both_databases!(memberships_never_joined_are_taken_back_with_what_the_clinic_made);
