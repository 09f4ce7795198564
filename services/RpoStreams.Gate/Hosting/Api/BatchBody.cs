using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// Reads the body of <c>POST /v1/check/batch</c>: <c>application/json</c> or <c>text/csv</c>, UTF-8, not
/// compressed, at most <see cref="ApiSettings.MaxBatchBytes"/>. Anything else is refused before a byte of it
/// is interpreted: 415 for another type, charset or Content-Encoding (or none), 413 for a larger body, 400
/// for one that is not valid JSON or UTF-8 text, 408 for one that arrives too slowly.
/// </summary>
internal static class BatchBody
{
    /// <summary>Strict JSON: a property given twice is an error, not a silent choice of one of them.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>The fields a CSV body takes from the query string.</summary>
    private static readonly string[] CsvFields = ["companyId", "channel", "purpose", "at", "callerId"];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The request, or null and the refusal.</summary>
    public static async Task<(CheckEndpoints.BatchRequest? Request, IResult? Problem)> ReadAsync(
        HttpContext http, ApiSettings settings, ClientErrors errors, CancellationToken cancel)
    {
        var encoding = http.Request.Headers.ContentEncoding;
        if (encoding.Count > 0 && !(encoding.Count == 1 && string.Equals(encoding[0], "identity", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, errors.Refuse(StatusCodes.Status415UnsupportedMediaType, ClientErrors.ContentEncoding, "Unsupported Media Type",
                "Content-Encoding is not supported: send the body uncompressed"));
        }
        var isJson = false;
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type)
            || !((isJson = type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)) || type.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, errors.Refuse(StatusCodes.Status415UnsupportedMediaType, ClientErrors.ContentType, "Unsupported Media Type",
                "send Content-Type: application/json or text/csv (UTF-8)"));
        }
        // A quoted charset is the same charset (RFC 9110, 8.3.2).
        var charset = HeaderUtilities.RemoveQuotes(type.Charset);
        if (type.Charset.HasValue && !(charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase) || charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, errors.Refuse(StatusCodes.Status415UnsupportedMediaType, ClientErrors.Charset, "Unsupported Media Type",
                "the body must be UTF-8 (charset=utf-8, or no charset)"));
        }
        // A JSON body carries its own fields: the query string is read for CSV only, and a field there (it was ignored) is
        // refused, as any parameter the batch does not read.
        if (CheckEndpoints.UnknownParameter(http.Request.Query, isJson ? [] : CsvFields) is { } unknown)
        {
            return (null, errors.Refuse(StatusCodes.Status400BadRequest, ClientErrors.BadParameter, "Bad request", unknown));
        }
        if (http.Request.ContentLength > settings.MaxBatchBytes)
        {
            return (null, TooLarge(errors, settings));
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = settings.MaxBatchBytes;
        }

        byte[]? buffer = null;
        try
        {
            int length;
            try
            {
                (buffer, length) = await ReadBoundedAsync(http.Request.Body, settings.MaxBatchBytes, cancel);
            }
            catch (BadHttpRequestException e)
            {
                // Kestrel's own limit on a body without a length (chunked) is the same refusal as a declared length past it.
                return (null, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? TooLarge(errors, settings)
                    : errors.Refuse(e.StatusCode, BadRequestExceptionHandler.ReasonOf(e.StatusCode), BadRequestExceptionHandler.TitleOf(e.StatusCode), BadRequestExceptionHandler.DetailOf(e.StatusCode)));
            }
            catch (IOException e) when (e is not Microsoft.AspNetCore.Connections.ConnectionResetException && !http.RequestAborted.IsCancellationRequested)
            {
                // Kestrel's chunked-body reader throws an IOException, not a BadHttpRequestException, for a chunk size it
                // cannot read (one that overflows, say): the same malformed framing.
                return (null, errors.Refuse(StatusCodes.Status400BadRequest, ClientErrors.BadFraming, "Bad request", BadRequestExceptionHandler.DetailOf(StatusCodes.Status400BadRequest)));
            }
            if (length < 0)
            {
                return (null, TooLarge(errors, settings));
            }
            if (http.Items.TryGetValue(PeerCredentials.BodyDigestItem, out var signed)
                && !CryptographicOperations.FixedTimeEquals(SHA256.HashData(buffer.AsSpan(0, length)), Convert.FromHexString((string)signed!)))
            {
                http.Response.Headers.WWWAuthenticate = PeerCredentials.Scheme;
                return (null, errors.Refuse(StatusCodes.Status401Unauthorized, ClientErrors.PeerReason(PeerVerdict.BodyMismatch), "Unauthorized",
                    $"the body is not the one the {PeerCredentials.Header} header was signed for"));
            }
            // A byte-order mark (as spreadsheets write CSV) is not part of the text.
            var body = buffer.AsSpan(0, length);
            body = body.StartsWith(Utf8Bom) ? body[Utf8Bom.Length..] : body;
            return isJson ? FromJson(body, errors) : FromCsv(body, http.Request.Query, errors);
        }
        finally
        {
            if (buffer != null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static (CheckEndpoints.BatchRequest?, IResult?) FromJson(ReadOnlySpan<byte> body, ClientErrors errors)
    {
        try
        {
            return (JsonSerializer.Deserialize<CheckEndpoints.BatchRequest>(body, Json), null);
        }
        catch (JsonException)
        {
            return (null, errors.Refuse(StatusCodes.Status400BadRequest, ClientErrors.BadJson, "Bad request",
                "the body is not valid JSON (or gives a property twice): expected {companyId, channel, purpose, at, callerId, subjects: [...]}"));
        }
    }

    private static (CheckEndpoints.BatchRequest?, IResult?) FromCsv(ReadOnlySpan<byte> body, IQueryCollection query, ClientErrors errors)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return (null, errors.Refuse(StatusCodes.Status400BadRequest, ClientErrors.BadCsv, "Bad request", "the body is not UTF-8 text: expected one subject per line"));
        }
        var lines = text.Split('\n').Select(l => l.Trim().Trim('"').TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (lines.Count > 0 && lines[0].Equals("subject", StringComparison.OrdinalIgnoreCase))
        {
            lines.RemoveAt(0);
        }
        return (new CheckEndpoints.BatchRequest(query["companyId"], query["channel"], query["purpose"], query["at"], query["callerId"], lines), null);
    }

    private static IResult TooLarge(ClientErrors errors, ApiSettings settings) =>
        errors.Refuse(StatusCodes.Status413PayloadTooLarge, ClientErrors.BodyTooLarge, "Batch too large",
            $"the body is larger than {settings.MaxBatchBytes} bytes (Api:MaxBatchBytes): split the list");

    /// <summary>The body in a pooled buffer and its length, or length -1 when it is longer than <paramref name="max"/>.</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBoundedAsync(Stream body, int max, CancellationToken cancel)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > max)
                {
                    return (buffer, -1);
                }
                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max + 1));
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }
            var read = await body.ReadAsync(buffer.AsMemory(length), cancel);
            if (read == 0)
            {
                return (buffer, length > max ? -1 : length);
            }
            length += read;
        }
    }
}
