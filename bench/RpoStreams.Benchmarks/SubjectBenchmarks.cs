using BenchmarkDotNet.Attributes;
using RpoStreams.Policy.Subjects;
using RpoStreams.Records;

namespace RpoStreams.Benchmarks;

/// <summary>Subject normalization (libphonenumber; Unicode for addresses) and the keyed hash, as the intake runs them per record.</summary>
[MemoryDiagnoser]
public class SubjectBenchmarks
{
    private static readonly SubjectHasher Hasher = new("rpo-benchmarks-secret-0123456789");
    private static readonly NormalizedSubject Phone = new(SubjectType.PHONE, "+393331234567");
    private static readonly NormalizedSubject Address = new(SubjectType.POSTAL_ADDRESS, "VIA ROMA 1 00100 ROMA");

    /// <summary>Ways dialers write the same or similar numbers, and one that is not a number.</summary>
    [Benchmark]
    [Arguments("+393331234567")]
    [Arguments("333 123 4567")]
    [Arguments("0039 333-1234567")]
    [Arguments("+39 02 1234 5678")]
    [Arguments("not a number")]
    public bool TryNormalizePhone(string raw) => SubjectNormalizer.TryNormalizePhone(raw, out _);

    [Benchmark]
    [Arguments("Via Roma 1, 00100 Roma")]
    [Arguments("Viale Città d'Italia, 12 - 00144 Roma (RM)")]
    public bool TryNormalizeAddress(string raw) => SubjectNormalizer.TryNormalizeAddress(raw, out _);

    [Benchmark]
    public string RefOfPhone() => Hasher.RefOf(Phone);

    [Benchmark]
    public string RefOfAddress() => Hasher.RefOf(Address);
}
