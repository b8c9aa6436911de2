//! Appending to the log in Redis: the script that gives an entry its id and writes it
//! atomically (claims first), its arguments, and the entry it stored. The keys it writes
//! are described in [`super::entries`].

use crate::event::{self, Entry, Record};
use crate::store::{Claim, NewEntry, NewPost};

/// Takes every claim or none, then the next id, then appends the entry, atomically, so two
/// nodes can never append out of id order or both take a username. Guards against a lost
/// counter by never going below either stream's last id. The time comes from Redis, one
/// clock for every node. A message also becomes its room's newest id in `last_ids`.
/// Returns `{id, ms, ""}`, or `{0, 0, key}` for a claim used up.
///
/// KEYS: msgs, next_id, log, claims, last_ids. ARGV: max_len, kind (`msg` or `event`),
/// then for `msg` user, text, account (empty: none), guest (`1`/`0`), room (`0`: the
/// lobby, left out), mentions (empty: none, left out), here (`1`/`0`), for `event` the
/// JSON and six empty strings; then the number of claims and each claim's key and limit.
pub(super) const APPEND: &str = r"
local claims = tonumber(ARGV[10])
for i = 1, claims do
  local key, limit = ARGV[9 + 2 * i], tonumber(ARGV[10 + 2 * i])
  if tonumber(redis.call('HGET', KEYS[4], key) or '0') >= limit then
    return {0, 0, key}
  end
end
for i = 1, claims do
  redis.call('HINCRBY', KEYS[4], ARGV[9 + 2 * i], 1)
end
local id = redis.call('INCR', KEYS[2])
for _, stream in ipairs({KEYS[1], KEYS[3]}) do
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  if last[1] then
    local n = tonumber(string.match(last[1][1], '^(%d+)'))
    if n and n >= id then
      id = n + 1
      redis.call('SET', KEYS[2], id)
    end
  end
end
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local entry = string.format('%d-0', id)
local time = string.format('%d', ms)
if ARGV[2] == 'msg' then
  local fields = {'user', ARGV[3], 'text', ARGV[4], 'time', time, 'guest', ARGV[6]}
  if ARGV[5] ~= '' then
    table.insert(fields, 'account')
    table.insert(fields, ARGV[5])
  end
  if ARGV[7] ~= '0' then
    table.insert(fields, 'room')
    table.insert(fields, ARGV[7])
  end
  if ARGV[8] ~= '' then
    table.insert(fields, 'mentions')
    table.insert(fields, ARGV[8])
  end
  if ARGV[9] == '1' then
    table.insert(fields, 'here')
    table.insert(fields, '1')
  end
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], entry, unpack(fields))
  redis.call('HSET', KEYS[5], ARGV[7], string.format('%d', id))
else
  redis.call('XADD', KEYS[3], entry, 'event', ARGV[3], 'time', time)
end
return {id, ms, ''}
";

/// The script's arguments after `max_len`, for `entry` and `claims`.
pub(super) fn script_args(entry: &NewEntry, claims: &[Claim]) -> Vec<String> {
    let mut args = match entry {
        NewEntry::Post(NewPost {
            user,
            text,
            account,
            guest,
            room,
            mentions,
            here,
        }) => vec![
            "msg".to_owned(),
            user.clone(),
            text.clone(),
            account.clone().unwrap_or_default(),
            if *guest { "1" } else { "0" }.to_owned(),
            room.to_string(),
            mentions.join(" "),
            if *here { "1" } else { "0" }.to_owned(),
        ],
        NewEntry::Event(event) => vec![
            "event".to_owned(),
            event::to_json(event),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
    };
    args.push(claims.len().to_string());
    for claim in claims {
        args.push(claim.key.clone());
        args.push(claim.limit.to_string());
    }
    args
}

/// The entry an append stored, from what it was given and what the script returned.
pub(super) fn stored(entry: NewEntry, id: u64, time: u64) -> Entry {
    let record = match entry {
        NewEntry::Post(post) => Record::Message(post.into_message(id, time)),
        NewEntry::Event(event) => Record::Event(event),
    };
    Entry { id, time, record }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_arguments_carry_the_entry_and_its_claims() {
        let post = NewEntry::Post(NewPost {
            user: "Ann".into(),
            text: "hi".into(),
            account: Some("ann".into()),
            guest: false,
            room: 7,
            mentions: vec!["bob".into(), "cy".into()],
            here: true,
        });
        assert_eq!(
            script_args(&post, &[]),
            ["msg", "Ann", "hi", "ann", "0", "7", "bob cy", "1", "0"]
        );
        let claims = [Claim {
            key: "username:ann".into(),
            limit: 1,
        }];
        let event = NewEntry::Event(crate::event::Event::SessionEnded {
            session: "ab".into(),
        });
        assert_eq!(
            script_args(&event, &claims),
            [
                "event",
                r#"{"type":"session_ended","session":"ab"}"#,
                "",
                "",
                "",
                "",
                "",
                "",
                "1",
                "username:ann",
                "1"
            ]
        );
    }
}
