//! One audit chain per clinic (and one for platform events) instead of one for everyone, so
//! appending an event makes only the same clinic's writers wait.
//!
//! `audit_events.chain` names the chain an event belongs to: its clinic's id, or 0 for events
//! with no clinic. Events written before this migration were chained globally, in id order;
//! they all stay in chain 0, where they still verify. `audit_chain_heads` holds each chain's
//! last hash: appending locks that one row (not the whole table), and `salus audit verify`
//! checks that the head is still found in its chain.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    Chain,
    Hash,
}

#[derive(DeriveIden)]
enum AuditChainHeads {
    Table,
    Chain,
    LastHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(
                        ColumnDef::new(AuditEvents::Chain)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_events_chain_id")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::Chain)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditChainHeads::Table)
                    .col(
                        ColumnDef::new(AuditChainHeads::Chain)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditChainHeads::LastHash)
                            .string()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // The global chain so far becomes chain 0's history.
        let last_hash = Query::select()
            .column(AuditEvents::Hash)
            .from(AuditEvents::Table)
            .order_by(AuditEvents::Id, Order::Desc)
            .limit(1)
            .to_owned();
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AuditChainHeads::Table)
                    .columns([AuditChainHeads::Chain, AuditChainHeads::LastHash])
                    .select_from(
                        Query::select()
                            .expr(Expr::val(0i64))
                            .expr(SimpleExpr::SubQuery(
                                None,
                                Box::new(last_hash.into_sub_query_statement()),
                            ))
                            .from(AuditEvents::Table)
                            .limit(1)
                            .to_owned(),
                    )
                    .map_err(|e| DbErr::Custom(e.to_string()))?
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditChainHeads::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_audit_events_chain_id")
                    .table(AuditEvents::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .drop_column(AuditEvents::Chain)
                    .to_owned(),
            )
            .await
    }
}
