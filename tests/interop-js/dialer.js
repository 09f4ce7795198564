#!/usr/bin/env node
// A dialer written by someone who knows only the contract: the Kafka bootstrap address, the Schema
// Registry URL and the schemas/ directory. It uses clients no one in this project wrote: kafkajs (a pure
// JavaScript Kafka client) and @kafkajs/confluent-schema-registry (Confluent's REST API with avsc).
//
//   node dialer.js feed --bootstrap H:P --registry URL --schemas DIR
//       registers every schema of schemas/ under its topic's value subject, then plays the register feed:
//       a consultation, two registered numbers, a consent given after registration;
//   node dialer.js dial --bootstrap H:P --registry URL --schemas DIR [--deadline-seconds N]
//       looks up the ids of the schemas it writes with, produces intents keyed by the normalized subject, waits for their decisions by intentId (read_committed)
//       until a deadline after which an undecided intent counts as BLOCKED, dials one blocked intent anyway,
//       produces a record with an unknown schema id, and reads decisions, alerts and dead letters back,
//       decoding every record through the registry.
//
// Each prints one JSON line (its findings) last on stdout; RpoStreams.Interop.Tests asserts on it.
// docs/integration.md shows the same calls.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { Kafka, Partitioners, logLevel } = require('kafkajs');
const { SchemaRegistry, SchemaType, COMPATIBILITY } = require('@kafkajs/confluent-schema-registry');

const DAY = 24 * 60 * 60 * 1000;
const SCHEMA_FILES = {
  'rpo.register.updates.v1': 'RegisterUpdate.avsc',
  'rpo.register.consultations.v1': 'RegisterConsultation.avsc',
  'rpo.consents.v1': 'ConsentEvent.avsc',
  'calls.intents.v1': 'CallIntent.avsc',
  'calls.attempts.v1': 'CallAttempt.avsc',
  'calls.decisions.v1': 'CallDecision.avsc',
  'compliance.alerts.v1': 'ComplianceAlert.avsc',
  'rpo.deadletter.v1': 'DeadLetter.avsc',
};
const NUMBERS = {
  free: '+393331234567',
  registered: '+393471234567',
  consented: '+393391234567',
  noCallerId: '+393201234567',
};
const CALLER_ID = '+390212345678';
const UNKNOWN_SCHEMA_ID = 0x7ffffff1;

function options(argv) {
  const parsed = { command: argv[0] };
  for (let i = 1; i < argv.length; i += 2) {
    parsed[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  for (const required of ['bootstrap', 'registry', 'schemas']) {
    if (!parsed[required]) throw new Error(`--${required} is required`);
  }
  return parsed;
}

/** The key contract: the subject's normalized form. Phones are E.164 already here; addresses as the gate normalizes them. */
function normalizedAddress(address) {
  return address.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^\p{L}\p{Nd}]+/gu, ' ').trim().toUpperCase();
}

/** 10:00 UTC (11:00 or 12:00 in Rome) on the next Tuesday to Friday that is not a fixed Italian public holiday. */
function nextCallingSlot(now) {
  const fixedHolidays = ['01-01', '01-06', '04-25', '05-01', '06-02', '08-15', '10-04', '11-01', '12-08', '12-25', '12-26'];
  for (let day = 1; ; day++) {
    const slot = new Date(now + day * DAY);
    slot.setUTCHours(10, 0, 0, 0);
    const monthDay = slot.toISOString().slice(5, 10);
    if (slot.getUTCDay() >= 2 && slot.getUTCDay() <= 5 && !fixedHolidays.includes(monthDay)) return slot.getTime();
  }
}

function clients(opts) {
  const kafka = new Kafka({ clientId: 'interop-dialer', brokers: [opts.bootstrap], logLevel: logLevel.ERROR });
  const registry = new SchemaRegistry({ host: opts.registry });
  // kafkajs's DefaultPartitioner is the Java client's murmur2; a plain producer (the embedded broker refuses
  // kafkajs's idempotent one: "Broker 0 not found in the cached metadata").
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: false, allowAutoTopicCreation: false });
  return { kafka, registry, producer };
}

async function feed(opts) {
  const { registry, producer } = clients(opts);
  const ids = {};
  for (const [topic, file] of Object.entries(SCHEMA_FILES)) {
    const schema = fs.readFileSync(path.join(opts.schemas, file), 'utf8');
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema },
      { subject: `${topic}-value`, compatibility: COMPATIBILITY.FULL_TRANSITIVE });
    ids[`${topic}-value`] = id;
  }
  const id = (topic) => ids[`${topic}-value`];
  const send = async (topic, key, value) =>
    producer.send({ topic, messages: [{ key, value: await registry.encode(id(topic), value) }] });

  const now = Date.now();
  await producer.connect();
  await send('rpo.register.consultations.v1', 'interop-feed', { consultedAt: now, feedId: 'interop-feed', registerVersion: null });
  for (const subject of [NUMBERS.registered, NUMBERS.consented]) {
    await send('rpo.register.updates.v1', subject,
      { subject, subjectType: 'PHONE', action: 'REGISTERED', effectiveAt: now - 30 * DAY, feedId: 'interop-feed' });
  }
  await send('rpo.consents.v1', NUMBERS.consented, {
    subject: NUMBERS.consented, subjectType: 'PHONE', companyId: 'ACME', action: 'GRANTED',
    basis: 'EXPLICIT_CONSENT', at: now - DAY, contractEndedAt: null,
  });
  await producer.disconnect();
  return { registered: ids };
}

async function dial(opts) {
  const { kafka, registry, producer } = clients(opts);
  const deadline = Date.now() + Number(opts['deadline-seconds'] ?? 120) * 1000;
  const run = crypto.randomBytes(4).toString('hex');
  const scheduledAt = nextCallingSlot(Date.now());
  // A dialer looks up the id of the schema it writes with (POST /subjects/{subject}); it never registers one.
  const idOf = (topic) => registry.getRegistryIdBySchema(`${topic}-value`,
    { type: SchemaType.AVRO, schema: fs.readFileSync(path.join(opts.schemas, SCHEMA_FILES[topic]), 'utf8') });
  const intentSchemaId = await idOf('calls.intents.v1');
  const attemptSchemaId = await idOf('calls.attempts.v1');

  const intent = (name, fields) => ({
    intentId: `js-${run}-${name}`, companyId: 'ACME', callCenterId: 'CC-JS', campaignId: 'INTEROP',
    channel: 'PHONE', callerId: CALLER_ID, purpose: 'PROMOTIONAL', scheduledAt, ...fields,
  });
  const cases = {
    allowed: intent('allowed', { subject: NUMBERS.free }),
    registered: intent('registered', { subject: NUMBERS.registered }),
    consented: intent('consented', { subject: NUMBERS.consented }),
    noCallerId: intent('no-caller-id', { subject: NUMBERS.noCallerId, callerId: null }),
    invalidSubject: intent('invalid-subject', { subject: 'not a phone number' }),
    postal: intent('postal', { channel: 'POSTAL_MAIL', subject: 'Bahnhofstraße 2, 39100 Bozen', callerId: null }),
  };
  // A number the dialer cannot bring to E.164 (here: one not shaped as one) is keyed by its intentId, as the contract says.
  const keyOf = (i) => (i.channel === 'POSTAL_MAIL' ? normalizedAddress(i.subject) : /^\+[1-9][0-9]{6,14}$/.test(i.subject) ? i.subject : i.intentId);

  const decisions = new Map();
  const alerts = [];
  const deadLetters = [];
  const decoded = { 'calls.decisions.v1': 0, 'compliance.alerts.v1': 0, 'rpo.deadletter.v1': 0 };
  const undecodable = [];
  let unknownSchemaRecord = null;
  let attempt = null;
  let wake = () => {};

  const consumer = kafka.consumer({ groupId: `interop-dialer-${run}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topics: Object.keys(decoded), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      let value;
      try {
        value = await registry.decode(message.value);
      } catch (error) {
        undecodable.push({ topic, offset: message.offset, error: String(error) });
        return;
      }
      decoded[topic]++;
      if (topic === 'calls.decisions.v1') decisions.set(value.intentId, value);
      if (topic === 'compliance.alerts.v1') alerts.push(value);
      if (topic === 'rpo.deadletter.v1') {
        const { sealedKey, sealedValue, ...named } = value;
        deadLetters.push(named);
      }
      wake();
    },
  });

  await producer.connect();
  const sent = {};
  for (const [name, value] of Object.entries(cases)) {
    const [meta] = await producer.send({
      topic: 'calls.intents.v1',
      messages: [{ key: keyOf(value), value: await registry.encode(intentSchemaId, value) }],
    });
    sent[name] = { intentId: value.intentId, partition: meta.partition, offset: Number(meta.baseOffset) };
  }
  // An intent no registry knows the schema of: the gate cannot read it, so it goes to the dead letters.
  const header = Buffer.alloc(5);
  header.writeUInt32BE(UNKNOWN_SCHEMA_ID, 1);
  const [unknownMeta] = await producer.send({
    topic: 'calls.intents.v1',
    messages: [{ key: `js-${run}-unknown-schema`, value: Buffer.concat([header, Buffer.from('not avro')]) }],
  });
  unknownSchemaRecord = { topic: 'calls.intents.v1', partition: unknownMeta.partition, offset: Number(unknownMeta.baseOffset) };

  const deadLetterOf = (record) => deadLetters.find((d) => d.topic === 'calls.intents.v1' && d.partition === record.partition && d.offset === record.offset);
  const done = () => Object.values(sent).every((s) => decisions.has(s.intentId) || deadLetterOf(s) !== undefined)
    && attempt !== null && alerts.some((a) => a.attemptId === attempt.attemptId) && deadLetterOf(unknownSchemaRecord) !== undefined;
  while (!done() && Date.now() < deadline) {
    const blocked = decisions.get(cases.registered.intentId);
    if (blocked && attempt === null) {
      // The dialer calls the blocked number anyway: the gate raises CALL_AFTER_BLOCK against ACME and CC-JS.
      attempt = {
        attemptId: `js-${run}-attempt`, intentId: blocked.intentId, companyId: 'ACME', callCenterId: 'CC-JS',
        campaignId: 'INTEROP', subject: NUMBERS.registered, callerId: CALLER_ID, startedAt: scheduledAt + 5000,
      };
      await producer.send({
        topic: 'calls.attempts.v1',
        messages: [{ key: NUMBERS.registered, value: await registry.encode(attemptSchemaId, attempt) }],
      });
    }
    await new Promise((resolve) => {
      wake = resolve;
      setTimeout(resolve, Math.max(0, Math.min(1000, deadline - Date.now())));
    });
  }
  await producer.disconnect();
  await consumer.disconnect();

  // Past the deadline, an intent without a decision is BLOCKED: never dial on silence.
  const outcomes = Object.fromEntries(Object.entries(sent).map(([name, s]) => {
    const decision = decisions.get(s.intentId);
    const deadLetter = deadLetterOf(s);
    return [name, decision
      ? { decided: true, ...decision }
      : { decided: false, intentId: s.intentId, outcome: 'BLOCKED', reasons: [], deadLetter: deadLetter ?? null }];
  }));
  return {
    complete: done(),
    scheduledAt,
    schemaIds: { intent: intentSchemaId, attempt: attemptSchemaId },
    outcomes,
    alerts: alerts.filter((a) => a.intentId?.startsWith(`js-${run}-`)),
    unknownSchemaRecord,
    unknownSchemaDeadLetter: deadLetterOf(unknownSchemaRecord) ?? null,
    decoded,
    undecodable,
  };
}

async function main() {
  const opts = options(process.argv.slice(2));
  const result = opts.command === 'feed' ? await feed(opts)
    : opts.command === 'dial' ? await dial(opts)
    : (() => { throw new Error('usage: dialer.js feed|dial --bootstrap H:P --registry URL --schemas DIR'); })();
  console.log(JSON.stringify(result));
  return result.complete === false ? 3 : 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
