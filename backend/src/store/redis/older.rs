//! The counts of messages older than the hub's window on Redis ([`crate::reads::older`]):
//! the stream holds every room's messages, so one scan back from the window's start serves
//! every room wanted, read in pages with `XREVRANGE` down to the lowest marker, and stops
//! once every room's counts are capped or [`SCAN_MAX`] entries were read (as history does).

use super::entries::to_message;
use super::RedisStore;
use crate::reads::counts::Counts;
use crate::reads::older::{Tally, SCAN_MAX};
use crate::store::StoreError;
use common::room::RoomId;
use std::collections::HashMap;

/// Entries read per `XREVRANGE`.
const PAGE: usize = 1000;

impl RedisStore {
    pub async fn older_counts(
        &self,
        reader: String,
        rooms: Vec<(RoomId, u64)>,
        before: u64,
    ) -> Result<HashMap<RoomId, Counts>, StoreError> {
        let Some(lowest) = rooms.iter().map(|&(_, after)| after).min() else {
            return Ok(HashMap::new());
        };
        let mut conn = self.conn.clone();
        let stream = self.keys.msgs.clone();
        self.run(async move {
            let mut tally = Tally::new(&reader, &rooms);
            let mut end = format!("({before}-0");
            let start = format!("({lowest}-0");
            let mut scanned = 0;
            while !tally.done() && scanned < SCAN_MAX {
                let reply: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
                    .arg(&stream)
                    .arg(&end)
                    .arg(&start)
                    .arg("COUNT")
                    .arg(PAGE)
                    .query_async(&mut conn)
                    .await?;
                let Some(oldest) = reply.ids.last() else {
                    break;
                };
                end = format!("({}", oldest.id);
                scanned += reply.ids.len();
                for message in reply.ids.iter().filter_map(to_message) {
                    tally.add(&message);
                }
                if reply.ids.len() < PAGE {
                    break;
                }
            }
            Ok(tally.finish())
        })
        .await
    }
}
