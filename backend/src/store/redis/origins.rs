//! Where recent guest messages came from, so "ban this guest's address" works on any node:
//! `PREFIX:from:ID` holds the address the node that took message `ID` saw, for a week.

use super::RedisStore;
use crate::store::StoreError;
use std::net::IpAddr;

/// How long a guest message's address is kept: a week.
const KEPT_SECS: u64 = 7 * 24 * 3600;

impl RedisStore {
    fn origin_key(&self, id: u64) -> String {
        format!("{}:from:{id}", self.config.prefix)
    }

    pub async fn remember_origin(&self, id: u64, ip: IpAddr) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let key = self.origin_key(id);
        self.run(async move {
            redis::cmd("SET")
                .arg(key)
                .arg(ip.to_string())
                .arg("EX")
                .arg(KEPT_SECS)
                .exec_async(&mut conn)
                .await
        })
        .await
    }

    pub async fn origin(&self, id: u64) -> Result<Option<IpAddr>, StoreError> {
        let mut conn = self.conn.clone();
        let key = self.origin_key(id);
        let found: Option<String> = self
            .run(async move { redis::cmd("GET").arg(key).query_async(&mut conn).await })
            .await?;
        Ok(found.and_then(|ip| ip.parse().ok()))
    }
}
