// One clock correction for every client of the process, from a server that said the clock is skewed.
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace Cruddur.Ddb;

/// <summary>
/// The clock requests are signed with: this machine's, corrected from a server's Date when the server refused
/// a request as signed at another time (as the SDK corrects it), for every client of the process at once:
/// the SDK's (AWSConfigs.ManualClockCorrection) and JsonApi's.
/// </summary>
public static class Clock
{
    static readonly HashSet<string> SkewCodes =
        ["RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", "RequestInTheFuture"];

    /// <summary>Where an exception that JsonApi makes keeps the server's Date.</summary>
    public const string ServerDate = "Date";

    public static DateTime UtcNow => DateTime.UtcNow + (AWSConfigs.ManualClockCorrection ?? TimeSpan.Zero);

    /// <summary>
    /// Whether <paramref name="e"/> refused a request for its time (a server's Date came with it): the clock is then
    /// corrected if it is more than 4 minutes off, and the request may be sent once more (it may have been signed,
    /// while other requests were in flight, before another one corrected the clock). Callers send it again once.
    /// </summary>
    public static bool Corrected(Exception e)
    {
        if (e is not AmazonServiceException { ErrorCode: { } code } s || !SkewCodes.Contains(code)) return false;
        var date = s.Data[ServerDate] as DateTime?
            ?? (DateTime.TryParse((s.InnerException as HttpErrorResponseException)?.Response?.GetHeaderValue("Date"),
                System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed) ? parsed : null);
        if (date is not { } server) return false;
        lock (SkewCodes)
            if ((server - UtcNow).Duration() > TimeSpan.FromMinutes(4))
                AWSConfigs.ManualClockCorrection = server - DateTime.UtcNow;
        return true;
    }
}
