-- Seed Lesson 2 / Exercise 2, broadcast state #4: feature flags per tenant.
--
--   A compacted topic feature_flags holds each tenant's switches, keyed by
--   tenant: {"tenant": "acme", "translation": true, "moderation": false}.
--   Messages carry their tenant in a "tenant" field (messages without one
--   belong to 'default'). Translation and masking of banned words run only
--   where the tenant has them on; flipping a flag takes effect from the next
--   message on (a processing-time temporal join: the latest flags).
--   A tenant without a row: translation on, moderation off.
--
--   chatsql playground --generate 20 queries/rules_feature_flags.sql

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  tenant            VARCHAR,
  `timestamp`       BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'websocket_fanout',
  'format' = 'json',
  'scan.startup.mode' = 'group-offsets',
  'properties.group.id' = 'rules-feature-flags',
  'dead-letter.topic' = 'chat_dead_letter'
);

CREATE TABLE feature_flags (
  tenant      VARCHAR,
  translation BOOLEAN,
  moderation  BOOLEAN,
  PRIMARY KEY (tenant) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = 'feature_flags',
  'mode' = 'upsert',
  'format' = 'json',
  'key.format' = 'raw'
);

CREATE TABLE moderation_rules (
  word   VARCHAR,
  action VARCHAR,
  PRIMARY KEY (word) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = 'moderation_rules',
  'mode' = 'upsert',
  'format' = 'json',
  'key.format' = 'raw'
);

CREATE SINK flagged_pipeline WITH (
  'connector' = 'kafka',
  'topic' = 'processing_fanout',
  'format' = 'json'
) AS
SELECT m.username,
       COALESCE(m.tenant, 'default') AS tenant,
       CASE WHEN COALESCE(f.moderation, FALSE)
            THEN MASK_WORDS(m.text, (SELECT GROUP_CONCAT(r.word) FROM moderation_rules r WHERE r.action = 'mask'))
            ELSE m.text END AS text,
       -- TRANSLATE of NULL is NULL without asking the model: a tenant with
       -- translation off costs no LLM call
       TRANSLATE(CASE WHEN COALESCE(f.translation, TRUE) THEN m.text END, m.preferredLanguage) AS translated,
       m.preferredLanguage AS language,
       m.`timestamp`
FROM chat_messages m
LEFT JOIN feature_flags FOR SYSTEM_TIME AS OF PROCTIME() AS f
  ON COALESCE(m.tenant, 'default') = f.tenant
WHERE m.type = 'USER_MESSAGE';
