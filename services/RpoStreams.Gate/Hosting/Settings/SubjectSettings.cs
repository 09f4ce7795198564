namespace RpoStreams.Gate.Hosting.Settings;

/// <summary>The keyed hash of subjects (section <c>Subjects</c>).</summary>
public sealed class SubjectSettings
{
    /// <summary>Development-only secret, used when none is configured in the Development environment.</summary>
    public const string DevelopmentSecret = "rpo-development-only-secret";

    /// <summary>HMAC-SHA256 key of subjectRef; required outside Development (environment Subjects__HashSecret).</summary>
    public string? HashSecret { get; set; }

    public IEnumerable<string> Validate(bool development)
    {
        if (string.IsNullOrEmpty(HashSecret) && !development)
        {
            yield return "Subjects:HashSecret is required outside Development (set Subjects__HashSecret to a secret of at least 16 characters)";
        }
        else if (!string.IsNullOrEmpty(HashSecret) && HashSecret.Length < 16)
        {
            yield return "Subjects:HashSecret must be at least 16 characters";
        }
    }
}
