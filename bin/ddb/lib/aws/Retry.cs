// One retry policy for every call the scripts make, through the SDK's client or DynamoDB's JSON
// protocol (JsonApi): the AWS SDK's standard mode. What is retried comes from the SDK itself (its
// throttling codes and the 5xx answers it retries), plus a connection refused, reset or broken and,
// where a caller allows it, a request that got no answer in time; each retry waits a capped
// exponential backoff with full jitter, within a budget of tries, so that an outage is said in
// bounded time. Throttling has a budget of its own (DDB_MAX_RETRIES): a read or write that DynamoDB
// throttles slows down rather than stops. A request refused for a skewed clock corrects the clock of
// every client in the process (Clock) and is sent again at once.
using System.Net;
using System.Net.Sockets;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace Cruddur.Ddb;

/// <param name="Tries">tries of one call (the first and its retries) for faults other than throttling</param>
/// <param name="ThrottledRetries">retries of one call that DynamoDB keeps throttling</param>
/// <param name="RetryTimeouts">whether a request that got no answer in time is sent again (not where the wait would multiply)</param>
public sealed record RetryBudget(int Tries, int ThrottledRetries, bool RetryTimeouts);

public static class Retry
{
    /// <summary>The SDK's standard retry policy, for its lists of what to retry.</summary>
    static readonly RetryPolicy Sdk = new StandardRetryPolicy(1);

    /// <summary>Retries of one batch, page or request under throttling: DDB_MAX_RETRIES, default 15 (about 4 minutes of backoff).</summary>
    public static readonly int MaxThrottledRetries =
        int.TryParse(Environment.GetEnvironmentVariable("DDB_MAX_RETRIES"), out var n) && n >= 1 ? n : 15;

    /// <summary>A call of <paramref name="ctx"/>'s: its tries for faults (the SDK clients' own count), DDB_MAX_RETRIES for throttling.</summary>
    public static RetryBudget For(DdbContext ctx, bool retryTimeouts = true) => new(ctx.Tries, MaxThrottledRetries, retryTimeouts);

    /// <summary>DynamoDB (or Streams) asked to slow down: one of the SDK's throttling codes.</summary>
    public static bool Throttling(Exception e) => e is AmazonServiceException { ErrorCode: { } code } && Sdk.ThrottlingErrorCodes.Contains(code);

    /// <summary>An answer the SDK sends again: 500, 502, 503, 504.</summary>
    public static bool ServerFault(Exception e) => e is AmazonServiceException s && Sdk.HttpStatusCodesToRetryOn.Contains(s.StatusCode);

    /// <summary>The connection was refused, reset or broke before a whole answer came.</summary>
    public static bool Network(Exception e) =>
        e is HttpRequestException or IOException or SocketException || e.InnerException is HttpRequestException or IOException or SocketException;

    /// <summary>The request got no answer in time.</summary>
    public static bool NoAnswer(Exception e) => e is TimeoutException or TaskCanceledException { InnerException: TimeoutException }
        || e.InnerException is TimeoutException or TaskCanceledException { InnerException: TimeoutException };

    /// <summary>A fault another try may not meet: throttling, a 5xx the SDK retries, the network, and (if allowed) no answer in time.</summary>
    public static bool Transient(Exception e, bool timeouts = true) => Throttling(e) || ServerFault(e) || Network(e) || (timeouts && NoAnswer(e));

    /// <summary>Capped exponential backoff with full jitter: up to 50 ms, 100 ms, ... <paramref name="capMs"/> (20 s).</summary>
    public static Task Backoff(int attempt, CancellationToken ct, double capMs = 20_000) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(capMs, 50 * Math.Pow(2, attempt))), ct);

    /// <summary>
    /// One call under the policy: throttling is sent again up to <see cref="RetryBudget.ThrottledRetries"/> times
    /// (then <see cref="KeptThrottling"/>), other transient faults up to <see cref="RetryBudget.Tries"/> tries in all,
    /// each after a backoff; anything else, and the last fault, is the caller's.
    /// </summary>
    public static async Task<T> Run<T>(Func<CancellationToken, Task<T>> call, RetryBudget budget, CancellationToken ct)
    {
        var clockChecked = false;
        for (int attempt = 1, throttled = 0; ; attempt++)
        {
            try
            {
                return await call(ct);
            }
            catch (Exception e) when (!clockChecked && Clock.Corrected(e))
            {
                (attempt, clockChecked) = (attempt - 1, true); // a corrected clock is not a retry
            }
            catch (AmazonServiceException e) when (Throttling(e) && !ct.IsCancellationRequested)
            {
                if (++throttled > budget.ThrottledRetries) throw new KeptThrottling(e.ErrorCode, budget.ThrottledRetries, e);
                attempt--; // throttling has a budget of its own
                await Backoff(throttled, ct);
            }
            catch (Exception e) when (attempt < budget.Tries && Transient(e, budget.RetryTimeouts) && !ct.IsCancellationRequested)
            {
                await Backoff(attempt + 1, ct, capMs: 5_000); // up to 0.2, 0.4, ... 5 s
            }
        }
    }
}
