-- Seed Lesson 2 / Exercise 2, broadcast state #2: user roles and permissions.
--
--   A compacted topic user_permissions holds each user's current role, keyed
--   by username: {"username": "dave", "role": "member", "can_post": false,
--   "changed_at": 1704067260000}. Messages of a user whose posting right was
--   revoked are dropped from the moment of the revocation (by event time: a
--   message written before the change still goes through, even if it arrives
--   after it); the others carry the role the user had when they wrote.
--   Users without a row are ordinary members.
--
-- An event-time temporal join (FOR SYSTEM_TIME AS OF m.event_time), as in
-- Flink SQL, with two differences: the permissions table is loaded before the
-- first message is joined, and a quiet permissions topic does not hold the
-- join back (Flink's event-time temporal join waits for the versioned side's
-- watermark). 'version.column' ignores a stale update that arrives after a
-- newer one.
--
--   chatsql playground --generate 20 queries/rules_permissions.sql

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'websocket_fanout',
  'format' = 'json',
  'scan.startup.mode' = 'group-offsets',
  'properties.group.id' = 'rules-permissions',
  'dead-letter.topic' = 'chat_dead_letter'
);

CREATE TABLE user_permissions (
  username   VARCHAR,
  role       VARCHAR,                 -- 'member', 'moderator', 'admin', ...
  can_post   BOOLEAN,
  changed_at BIGINT,                  -- epoch milliseconds of the change
  valid_from AS TO_TIMESTAMP_LTZ(changed_at, 3),
  WATERMARK FOR valid_from AS valid_from,   -- a version is valid from its change time
  PRIMARY KEY (username) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = 'user_permissions',
  'mode' = 'upsert',
  'format' = 'json',
  'key.format' = 'raw',
  'version.column' = 'changed_at'     -- an older change arriving late is ignored (and counted)
);

CREATE SINK permitted_messages WITH (
  'connector' = 'kafka',
  'topic' = 'permitted_messages',
  'format' = 'json'
) AS
SELECT m.username,
       m.text,
       m.type,
       COALESCE(p.role, 'member') AS role,
       m.preferredLanguage,
       m.`timestamp`
FROM chat_messages m
LEFT JOIN user_permissions FOR SYSTEM_TIME AS OF m.event_time AS p
  ON m.username = p.username
WHERE COALESCE(p.can_post, TRUE);
