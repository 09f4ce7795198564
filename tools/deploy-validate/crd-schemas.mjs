// Strict JSON Schemas (draft 2019-09, for ajv) of the custom resources the k8s base uses.
//
// No npm package carries Strimzi's CRD schemas, and @kubernetes-models/keda (KEDA's own CRD schema,
// checked too) accepts unknown fields, as every CRD does until the API server prunes them. These
// schemas are written from the CRDs' documented fields (KEDA 2.x keda.sh/v1alpha1 ScaledObject,
// Strimzi kafka.strimzi.io/v1beta2 KafkaTopic) with additionalProperties: false, so a misspelt
// field is an error here instead of silently dropped on the cluster.

const strictObject = (properties, required = []) => ({ type: "object", additionalProperties: false, properties, required });

const metadata = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 },
    namespace: { type: "string" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
  },
};

const hpaRules = strictObject({
  stabilizationWindowSeconds: { type: "integer", minimum: 0, maximum: 3600 },
  selectPolicy: { enum: ["Max", "Min", "Disabled"] },
  tolerance: { type: ["string", "number"] },
  policies: {
    type: "array",
    items: strictObject(
      {
        type: { enum: ["Pods", "Percent"] },
        value: { type: "integer", minimum: 1 },
        periodSeconds: { type: "integer", minimum: 1, maximum: 1800 },
      },
      ["type", "value", "periodSeconds"],
    ),
  },
});

// Parameters of KEDA's kafka scaler (https://keda.sh/docs/latest/scalers/apache-kafka/); every value is a string.
export const kafkaTriggerMetadata = strictObject(
  Object.fromEntries(
    [
      "bootstrapServers", "bootstrapServersFromEnv", "consumerGroup", "consumerGroupFromEnv", "topic", "topicFromEnv",
      "lagThreshold", "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers", "excludePersistentLag",
      "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag", "ensureEvenDistributionOfPartitions",
      "partitionLimitation", "version", "sasl", "saslTokenProvider", "tls", "unsafeSsl",
    ].map((name) => [name, { type: "string" }]),
  ),
  ["bootstrapServers", "consumerGroup", "lagThreshold"],
);
kafkaTriggerMetadata.properties.lagThreshold = { type: "string", pattern: "^[1-9][0-9]*$" };
kafkaTriggerMetadata.properties.activationLagThreshold = { type: "string", pattern: "^[0-9]+$" };
kafkaTriggerMetadata.properties.offsetResetPolicy = { enum: ["earliest", "latest"] };
for (const flag of ["allowIdleConsumers", "excludePersistentLag", "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag", "ensureEvenDistributionOfPartitions", "tls", "unsafeSsl"]) {
  kafkaTriggerMetadata.properties[flag] = { enum: ["true", "false", "enable", "disable"] };
}

export const scaledObject = strictObject(
  {
    apiVersion: { const: "keda.sh/v1alpha1" },
    kind: { const: "ScaledObject" },
    metadata,
    spec: strictObject(
      {
        scaleTargetRef: strictObject(
          { apiVersion: { type: "string" }, kind: { type: "string" }, name: { type: "string", minLength: 1 }, envSourceContainerName: { type: "string" } },
          ["name"],
        ),
        pollingInterval: { type: "integer", minimum: 1 },
        cooldownPeriod: { type: "integer", minimum: 0 },
        initialCooldownPeriod: { type: "integer", minimum: 0 },
        idleReplicaCount: { type: "integer", minimum: 0 },
        minReplicaCount: { type: "integer", minimum: 0 },
        maxReplicaCount: { type: "integer", minimum: 1 },
        fallback: strictObject(
          { failureThreshold: { type: "integer", minimum: 0 }, replicas: { type: "integer", minimum: 0 }, behavior: { type: "string" } },
          ["failureThreshold", "replicas"],
        ),
        advanced: strictObject({
          restoreToOriginalReplicaCount: { type: "boolean" },
          horizontalPodAutoscalerConfig: strictObject({
            name: { type: "string" },
            behavior: strictObject({ scaleUp: hpaRules, scaleDown: hpaRules }),
          }),
          scalingModifiers: strictObject({
            formula: { type: "string" },
            target: { type: "string" },
            activationTarget: { type: "string" },
            metricType: { enum: ["AverageValue", "Value"] },
          }),
        }),
        triggers: {
          type: "array",
          minItems: 1,
          items: strictObject(
            {
              type: { type: "string", minLength: 1 },
              name: { type: "string" },
              metricType: { enum: ["AverageValue", "Value", "Utilization"] },
              useCachedMetrics: { type: "boolean" },
              authenticationRef: strictObject({ name: { type: "string" }, kind: { enum: ["TriggerAuthentication", "ClusterTriggerAuthentication"] } }, ["name"]),
              // Values are strings: checked by KEDA's own schema (@kubernetes-models/keda) and, for kafka, below.
              metadata: { type: "object" },
            },
            ["type", "metadata"],
          ),
        },
      },
      ["scaleTargetRef", "triggers"],
    ),
  },
  ["apiVersion", "kind", "metadata", "spec"],
);

// Topic-level configuration names of Apache Kafka 3.9 / 4.x (kafka-configs.sh --describe --all --entity-type topics).
export const kafkaTopicConfigs = [
  "cleanup.policy", "compression.type", "compression.gzip.level", "compression.lz4.level", "compression.zstd.level",
  "delete.retention.ms", "file.delete.delay.ms", "flush.messages", "flush.ms",
  "follower.replication.throttled.replicas", "leader.replication.throttled.replicas", "index.interval.bytes",
  "local.retention.bytes", "local.retention.ms", "max.compaction.lag.ms", "max.message.bytes",
  "message.downconversion.enable", "message.format.version", "message.timestamp.after.max.ms",
  "message.timestamp.before.max.ms", "message.timestamp.difference.max.ms", "message.timestamp.type",
  "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas", "preallocate",
  "remote.log.copy.disable", "remote.log.delete.on.disable", "remote.storage.enable", "retention.bytes", "retention.ms",
  "segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms", "unclean.leader.election.enable",
];

export const cleanupPolicies = ["compact", "delete", "compact,delete", "delete,compact"];

export const kafkaTopic = strictObject(
  {
    apiVersion: { const: "kafka.strimzi.io/v1beta2" },
    kind: { const: "KafkaTopic" },
    metadata: {
      ...metadata,
      required: ["name", "labels"],
      properties: {
        ...metadata.properties,
        // The topic operator only reconciles topics labelled with their Kafka cluster's name.
        labels: { type: "object", additionalProperties: { type: "string" }, required: ["strimzi.io/cluster"] },
      },
    },
    spec: strictObject(
      {
        topicName: { type: "string", pattern: "^[a-zA-Z0-9._-]{1,249}$" },
        partitions: { type: "integer", minimum: 1 },
        replicas: { type: "integer", minimum: 1, maximum: 32767 },
        // Kafka topic configs: values are strings, numbers or booleans, never objects.
        config: {
          type: "object",
          propertyNames: { enum: kafkaTopicConfigs },
          properties: { "cleanup.policy": { enum: cleanupPolicies } },
          additionalProperties: { type: ["string", "number", "boolean"] },
        },
      },
      [],
    ),
  },
  ["apiVersion", "kind", "metadata", "spec"],
);
