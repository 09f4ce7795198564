using NodaTime;

namespace RpoStreams.Records;

/// <summary>Conversions between Avro <c>timestamp-millis</c> (a UTC <see cref="DateTime"/>) and NodaTime instants.</summary>
public static class AvroTime
{
    public static Instant ToInstant(this DateTime value) =>
        Instant.FromDateTimeUtc(value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static Instant? ToInstant(this DateTime? value) => value?.ToInstant();

    public static DateTime ToAvro(this Instant value) => value.ToDateTimeUtc();

    public static long ToMillis(this DateTime value) => value.ToInstant().ToUnixTimeMilliseconds();

    public static DateTime FromMillis(long millis) => Instant.FromUnixTimeMilliseconds(millis).ToDateTimeUtc();
}
