//! The goal history page: 30-day series, targets, and correcting the last week's entries.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::patient::GoalHistory;

#[cfg(feature = "ssr")]
use {
    crate::api::context::in_scope, crate::server::permissions::Permission,
    crate::server::services::patient::goals,
};

#[server(prefix = "/api", endpoint = "patient/goal_history")]
pub(crate) async fn get_goal_history() -> Result<GoalHistory, AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordRead).await?;
        goals::history(scoped, me).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "patient/set_goal_target")]
pub async fn set_goal_target(kind: String, target: String) -> Result<(), AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordWrite).await?;
        goals::set_target(scoped, me, &kind, &target).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "patient/update_goal_log")]
pub async fn update_goal_log(id: i64, value: String) -> Result<(), AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordWrite).await?;
        goals::update_entry(scoped, me, id, &value).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "patient/delete_goal_log")]
pub async fn delete_goal_log(id: i64) -> Result<(), AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordWrite).await?;
        goals::delete_entry(scoped, me, id).await
    })
    .await
}
