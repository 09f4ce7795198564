using BenchmarkDotNet.Attributes;
using RpoStreams.Policy.Subjects;

namespace RpoStreams.Benchmarks;

/// <summary><see cref="CallerIdentity.IsValid"/>: every phone decision runs it (libphonenumber parse and validation).</summary>
[MemoryDiagnoser]
public class CallerIdentityBenchmarks
{
    [Benchmark]
    [Arguments("+390212345678")]
    [Arguments("02 1234 5678")]
    [Arguments("anonymous")]
    [Arguments("#31#0212345678")]
    [Arguments("12345")]
    public bool IsValid(string callerId) => CallerIdentity.IsValid(callerId);
}
