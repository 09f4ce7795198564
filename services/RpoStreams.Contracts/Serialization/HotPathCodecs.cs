using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// Hand-written Avro codecs for the records on every decision's path: the intent read, the subject state read
/// and written, the decision written, and the campaign counts that carry an entry per decision. Avro's specific datum reader and writer spend most of their
/// time boxing fields and walking their resolution trees (9 % of gate CPU in the profile of 2026-12-02);
/// these write the same bytes field by field, in schema order. When a schema changes, change its codec
/// with it: <c>HotPathCodecTests</c> compare each with Avro's own writer and reader on random records and
/// fail on any difference.
/// </summary>
public static class HotPathCodecs
{
    public static readonly IAvroCodec<CallIntent> CallIntent = new CallIntentCodec();

    public static readonly IAvroCodec<CallDecision> CallDecision = new CallDecisionCodec();

    public static readonly IAvroCodec<SubjectState> SubjectState = new SubjectStateCodec();

    /// <summary>A task's campaign counts, sent at every flush with an entry per decision counted.</summary>
    public static readonly IAvroCodec<CampaignCount> CampaignCount = new CampaignCountCodec();

    private sealed class CallIntentCodec : IAvroCodec<CallIntent>
    {
        public void Write(AvroWriter w, CallIntent v)
        {
            w.Text(v.intentId, "intentId");
            w.Text(v.companyId, "companyId");
            w.Text(v.callCenterId, "callCenterId");
            w.OptionalText(v.campaignId, "campaignId");
            w.Index((int)v.channel);
            w.Text(v.subject, "subject");
            w.OptionalText(v.callerId, "callerId");
            w.Index((int)v.purpose);
            w.Millis(v.scheduledAt);
        }

        public CallIntent Read(ref AvroReader r) => new()
        {
            intentId = r.Text(),
            companyId = r.Text(),
            callCenterId = r.Text(),
            campaignId = r.OptionalText("campaignId"),
            channel = (Channel)r.Symbol(),
            subject = r.Text(),
            callerId = r.OptionalText("callerId"),
            purpose = (Purpose)r.Symbol(),
            scheduledAt = r.Millis(),
        };
    }

    private sealed class CallDecisionCodec : IAvroCodec<CallDecision>
    {
        public void Write(AvroWriter w, CallDecision v)
        {
            w.Text(v.intentId, "intentId");
            w.Index((int)v.outcome);
            w.Array(v.reasons, "reasons", static (w, reason) => w.Index((int)reason));
            w.Optional(v.basis, static (w, basis) => w.Index((int)basis));
            w.Text(v.companyId, "companyId");
            w.Text(v.callCenterId, "callCenterId");
            w.OptionalText(v.campaignId, "campaignId");
            w.Index((int)v.channel);
            w.Index((int)v.purpose);
            w.OptionalText(v.subjectRef, "subjectRef");
            w.Millis(v.decisionTime);
            w.Millis(v.decidedAt);
            w.Text(v.policyVersion, "policyVersion");
            w.Optional(v.intentPartition, static (w, partition) => w.Number(partition));
            w.Optional(v.intentOffset, static (w, offset) => w.Number(offset));
        }

        public CallDecision Read(ref AvroReader r)
        {
            var d = new CallDecision { intentId = r.Text(), outcome = (Outcome)r.Symbol() };
            d.reasons = r.Array(static (ref AvroReader r) => (Reason)r.Symbol());
            d.basis = r.Present("basis") ? (Basis)r.Symbol() : null;
            d.companyId = r.Text();
            d.callCenterId = r.Text();
            d.campaignId = r.OptionalText("campaignId");
            d.channel = (Channel)r.Symbol();
            d.purpose = (Purpose)r.Symbol();
            d.subjectRef = r.OptionalText("subjectRef");
            d.decisionTime = r.Millis();
            d.decidedAt = r.Millis();
            d.policyVersion = r.Text();
            d.intentPartition = r.Present("intentPartition") ? r.Number32() : null;
            d.intentOffset = r.Present("intentOffset") ? r.Number() : null;
            return d;
        }
    }

    private sealed class SubjectStateCodec : IAvroCodec<SubjectState>
    {
        public void Write(AvroWriter w, SubjectState v)
        {
            w.Optional(v.register, static (w, register) =>
            {
                w.Index((int)register.status);
                w.Millis(register.effectiveAt);
                w.Optional(register.registeredAt, Millis);
                w.Array(register.earlier, "earlier", static (w, step) =>
                {
                    w.Index((int)step.status);
                    w.Millis(step.effectiveAt);
                });
                w.Flag(register.complete);
            });
            w.Optional(v.consents, static (w, consents) => w.Array(consents.consents, "consents", static (w, c) =>
            {
                w.Text(c.companyId, "companyId");
                w.Index((int)c.action);
                w.Optional(c.basis, static (w, basis) => w.Index((int)basis));
                w.Millis(c.at);
                w.Optional(c.contractEndedAt, Millis);
                w.Array(c.earlier, "earlier", static (w, step) =>
                {
                    w.Index((int)step.action);
                    w.Optional(step.basis, static (w, basis) => w.Index((int)basis));
                    w.Millis(step.at);
                    w.Optional(step.contractEndedAt, Millis);
                    w.Optional(step.arrivedAt, Millis);
                });
                w.Flag(c.complete);
                w.Optional(c.arrivedAt, Millis);
            }));
            w.Optional(v.contacts, static (w, contacts) => w.Array(contacts.contacts, "contacts", static (w, c) =>
            {
                w.Text(c.companyId, "companyId");
                w.Text(c.intentId, "intentId");
                w.Millis(c.at);
            }));
            w.Optional(v.decisions, static (w, decisions) => w.Array(decisions, "decisions", static (w, d) =>
            {
                w.Text(d.intentId, "intentId");
                w.Bytes(d.decision, "decision");
                w.Millis(d.keepUntil);
                w.Number(d.sourcePartition);
                w.Number(d.sourceOffset);
            }));
        }

        public SubjectState Read(ref AvroReader r)
        {
            var state = new SubjectState();
            if (r.Present("register"))
            {
                state.register = new RegisterState
                {
                    status = (RegisterAction)r.Symbol(),
                    effectiveAt = r.Millis(),
                    registeredAt = r.OptionalMillis("registeredAt"),
                    earlier = r.Array(static (ref AvroReader r) => new RegisterStep
                    {
                        status = (RegisterAction)r.Symbol(),
                        effectiveAt = r.Millis(),
                    }),
                    complete = r.Flag(),
                };
            }
            if (r.Present("consents"))
            {
                state.consents = new SubjectConsents
                {
                    consents = r.Array(static (ref AvroReader r) => new CompanyConsent
                    {
                        companyId = r.Text(),
                        action = (ConsentAction)r.Symbol(),
                        basis = r.Present("basis") ? (ConsentBasis)r.Symbol() : null,
                        at = r.Millis(),
                        contractEndedAt = r.OptionalMillis("contractEndedAt"),
                        earlier = r.Array(static (ref AvroReader r) => new ConsentStep
                        {
                            action = (ConsentAction)r.Symbol(),
                            basis = r.Present("basis") ? (ConsentBasis)r.Symbol() : null,
                            at = r.Millis(),
                            contractEndedAt = r.OptionalMillis("contractEndedAt"),
                            arrivedAt = r.OptionalMillis("arrivedAt"),
                        }),
                        complete = r.Flag(),
                        arrivedAt = r.OptionalMillis("arrivedAt"),
                    }),
                };
            }
            if (r.Present("contacts"))
            {
                state.contacts = new ContactHistory
                {
                    contacts = r.Array(static (ref AvroReader r) => new Contact { companyId = r.Text(), intentId = r.Text(), at = r.Millis() }),
                };
            }
            if (r.Present("decisions"))
            {
                state.decisions = r.Array(static (ref AvroReader r) => new KnownDecision
                {
                    intentId = r.Text(),
                    decision = r.Bytes(),
                    keepUntil = r.Millis(),
                    sourcePartition = r.Number32(),
                    sourceOffset = r.Number(),
                });
            }
            return state;
        }

        private static void Millis(AvroWriter w, DateTime value) => w.Millis(value);
    }

    private sealed class CampaignCountCodec : IAvroCodec<CampaignCount>
    {
        public void Write(AvroWriter w, CampaignCount v)
        {
            w.Text(v.companyId, "companyId");
            w.OptionalText(v.campaignId, "campaignId");
            w.Millis(v.hourStart);
            w.Number(v.decisions);
            w.Number(v.rpoBlocked);
            w.Number(v.sentDecisions);
            w.Number(v.sentRpoBlocked);
            w.Millis(v.latestArrival);
            w.Array(v.entries, "entries", static (w, e) =>
            {
                w.Text(e.intentId, "intentId");
                w.Text(e.callCenterId, "callCenterId");
                w.OptionalText(e.subjectRef, "subjectRef");
                w.Flag(e.rpoBlocked);
                w.Optional(e.position, static (w, position) => w.Number(position));
            });
        }

        public CampaignCount Read(ref AvroReader r) => new()
        {
            companyId = r.Text(),
            campaignId = r.OptionalText("campaignId"),
            hourStart = r.Millis(),
            decisions = r.Number32(),
            rpoBlocked = r.Number32(),
            sentDecisions = r.Number32(),
            sentRpoBlocked = r.Number32(),
            latestArrival = r.Millis(),
            entries = r.Array(static (ref AvroReader r) => new CampaignEntry
            {
                intentId = r.Text(),
                callCenterId = r.Text(),
                subjectRef = r.OptionalText("subjectRef"),
                rpoBlocked = r.Flag(),
                position = r.Present("position") ? r.Number32() : null,
            }),
        };
    }
}
