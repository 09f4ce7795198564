using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// Hand-written Avro codecs for the three records on every decision's path: the intent read, the subject
/// state read and written, the decision written. Avro's specific datum reader and writer spend most of their
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
            var reasons = v.reasons ?? throw new Avro.AvroException("'reasons' is null, which its schema does not allow");
            w.ArrayStart(reasons.Count);
            foreach (var reason in reasons)
            {
                w.Index((int)reason);
            }
            w.ArrayEnd();
            w.Index(v.basis is null ? 0 : 1);
            if (v.basis is { } basis)
            {
                w.Index((int)basis);
            }
            w.Text(v.companyId, "companyId");
            w.Text(v.callCenterId, "callCenterId");
            w.OptionalText(v.campaignId, "campaignId");
            w.Index((int)v.channel);
            w.Index((int)v.purpose);
            w.OptionalText(v.subjectRef, "subjectRef");
            w.Millis(v.decisionTime);
            w.Millis(v.decidedAt);
            w.Text(v.policyVersion, "policyVersion");
            w.Index(v.intentPartition is null ? 0 : 1);
            if (v.intentPartition is { } partition)
            {
                w.Number(partition);
            }
            w.Index(v.intentOffset is null ? 0 : 1);
            if (v.intentOffset is { } offset)
            {
                w.Number(offset);
            }
        }

        public CallDecision Read(ref AvroReader r)
        {
            var d = new CallDecision { intentId = r.Text(), outcome = (Outcome)r.Symbol() };
            var reasons = new List<Reason>();
            for (var n = r.Block(); n > 0; n = r.Block())
            {
                for (var i = 0; i < n; i++)
                {
                    reasons.Add((Reason)r.Symbol());
                }
            }
            d.reasons = reasons;
            d.basis = r.Index(2, "basis") == 0 ? null : (Basis)r.Symbol();
            d.companyId = r.Text();
            d.callCenterId = r.Text();
            d.campaignId = r.OptionalText("campaignId");
            d.channel = (Channel)r.Symbol();
            d.purpose = (Purpose)r.Symbol();
            d.subjectRef = r.OptionalText("subjectRef");
            d.decisionTime = r.Millis();
            d.decidedAt = r.Millis();
            d.policyVersion = r.Text();
            d.intentPartition = r.Index(2, "intentPartition") == 0 ? null : r.Number32();
            d.intentOffset = r.Index(2, "intentOffset") == 0 ? null : r.Number();
            return d;
        }
    }

    private sealed class SubjectStateCodec : IAvroCodec<SubjectState>
    {
        public void Write(AvroWriter w, SubjectState v)
        {
            w.Index(v.register is null ? 0 : 1);
            if (v.register is { } register)
            {
                w.Index((int)register.status);
                w.Millis(register.effectiveAt);
                OptionalMillis(w, register.registeredAt);
            }
            w.Index(v.consents is null ? 0 : 1);
            if (v.consents is { } consents)
            {
                var list = consents.consents ?? throw new Avro.AvroException("'consents' is null, which its schema does not allow");
                w.ArrayStart(list.Count);
                foreach (var c in list)
                {
                    w.Text(c.companyId, "companyId");
                    w.Index((int)c.action);
                    w.Index(c.basis is null ? 0 : 1);
                    if (c.basis is { } basis)
                    {
                        w.Index((int)basis);
                    }
                    w.Millis(c.at);
                    OptionalMillis(w, c.contractEndedAt);
                }
                w.ArrayEnd();
            }
            w.Index(v.contacts is null ? 0 : 1);
            if (v.contacts is { } contacts)
            {
                var list = contacts.contacts ?? throw new Avro.AvroException("'contacts' is null, which its schema does not allow");
                w.ArrayStart(list.Count);
                foreach (var c in list)
                {
                    w.Text(c.companyId, "companyId");
                    w.Text(c.intentId, "intentId");
                    w.Millis(c.at);
                }
                w.ArrayEnd();
            }
            w.Index(v.decisions is null ? 0 : 1);
            if (v.decisions is { } decisions)
            {
                w.ArrayStart(decisions.Count);
                foreach (var d in decisions)
                {
                    w.Text(d.intentId, "intentId");
                    w.Bytes(d.decision, "decision");
                    w.Millis(d.keepUntil);
                    w.Number(d.sourcePartition);
                    w.Number(d.sourceOffset);
                }
                w.ArrayEnd();
            }
        }

        public SubjectState Read(ref AvroReader r)
        {
            var state = new SubjectState();
            if (r.Index(2, "register") == 1)
            {
                state.register = new RegisterState
                {
                    status = (RegisterAction)r.Symbol(),
                    effectiveAt = r.Millis(),
                    registeredAt = OptionalMillis(ref r, "registeredAt"),
                };
            }
            if (r.Index(2, "consents") == 1)
            {
                var list = new List<CompanyConsent>();
                for (var n = r.Block(); n > 0; n = r.Block())
                {
                    for (var i = 0; i < n; i++)
                    {
                        list.Add(new CompanyConsent
                        {
                            companyId = r.Text(),
                            action = (ConsentAction)r.Symbol(),
                            basis = r.Index(2, "basis") == 0 ? null : (ConsentBasis)r.Symbol(),
                            at = r.Millis(),
                            contractEndedAt = OptionalMillis(ref r, "contractEndedAt"),
                        });
                    }
                }
                state.consents = new SubjectConsents { consents = list };
            }
            if (r.Index(2, "contacts") == 1)
            {
                var list = new List<Contact>();
                for (var n = r.Block(); n > 0; n = r.Block())
                {
                    for (var i = 0; i < n; i++)
                    {
                        list.Add(new Contact { companyId = r.Text(), intentId = r.Text(), at = r.Millis() });
                    }
                }
                state.contacts = new ContactHistory { contacts = list };
            }
            if (r.Index(2, "decisions") == 1)
            {
                var list = new List<KnownDecision>();
                for (var n = r.Block(); n > 0; n = r.Block())
                {
                    for (var i = 0; i < n; i++)
                    {
                        list.Add(new KnownDecision
                        {
                            intentId = r.Text(),
                            decision = r.Bytes(),
                            keepUntil = r.Millis(),
                            sourcePartition = r.Number32(),
                            sourceOffset = r.Number(),
                        });
                    }
                }
                state.decisions = list;
            }
            return state;
        }

        private static void OptionalMillis(AvroWriter w, DateTime? value)
        {
            w.Index(value is null ? 0 : 1);
            if (value is { } v)
            {
                w.Millis(v);
            }
        }

        private static DateTime? OptionalMillis(ref AvroReader r, string field) => r.Index(2, field) == 0 ? null : r.Millis();
    }
}
