// One writer at a time for one job (a conversation): an item (pk LEASE#<job>) taken with a
// conditional write, renewed while the work runs, deleted after. A run that cannot renew in time
// loses the lease on purpose: its work is cancelled before the lease lapses, so that two runs never
// write at once. A waiting run only reads the lease until it lapses; a killed holder's lease lapses
// after Duration, and its item carries a TTL attribute so that DynamoDB removes it in the end.
// Every time is DynamoDB's: the Date of its answers (to the second), not this host's clock, so runs
// on hosts whose clocks disagree still agree on when a lease lapses (to within about a second,
// which the 3 s margin covers).
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

/// <summary>Who holds a lease ("seed on host h, pid 12, started 05:40:01 UTC") and until when it runs, unless renewed.</summary>
public sealed record LeaseHolder(string Holder, DateTime Until);

public sealed class Lease : IAsyncDisposable
{
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(20);
    /// <summary>Renewed this often; work stops this long before the lease would lapse (<see cref="Margin"/>).</summary>
    static readonly TimeSpan Renew = TimeSpan.FromSeconds(5), Margin = TimeSpan.FromSeconds(3), MaxWait = TimeSpan.FromMinutes(5);
    /// <summary>The attribute DynamoDB's TTL removes a lapsed lease item by: seconds since the epoch, a day after it lapsed.</summary>
    const string TtlAttribute = MessagesTable.TtlAttribute;

    readonly IAmazonDynamoDB _ddb;
    readonly string _table, _job;
    readonly Item _key;
    readonly CancellationTokenSource _lost = new(), _stop = new();
    TimeSpan _offset; // DynamoDB's clock minus this host's, from the Date of its latest answer
    Task _renewing = Task.CompletedTask;
    DateTime _validUntil;
    LeaseLoss? _lostWhy;

    /// <summary>This run's id: the lease's owner, and the mark of everything the run writes.</summary>
    public string Owner { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Cancelled when the lease is lost: the work must stop, before the lease lapses.</summary>
    public CancellationToken Lost => _lost.Token;

    Lease(IAmazonDynamoDB ddb, string table, string job)
    {
        (_ddb, _table, _job) = (ddb, table, job);
        _key = new() { ["pk"] = new() { S = "LEASE#" + job }, ["sk"] = new() { S = "lease" } };
        if (ddb is Amazon.Runtime.AmazonServiceClient client) client.AfterResponseEvent += Observe;
    }

    /// <summary>Now, by DynamoDB's clock.</summary>
    DateTime Now => DateTime.UtcNow + _offset;

    /// <summary>Keeps DynamoDB's clock from the Date of an answer: whole seconds, so the middle of that second.</summary>
    void Observe(object sender, Amazon.Runtime.ResponseEventArgs e)
    {
        if (e is Amazon.Runtime.WebServiceResponseEventArgs { ResponseHeaders: { } headers }
            && headers.FirstOrDefault(h => h.Key.Equals("Date", StringComparison.OrdinalIgnoreCase)).Value is { } date
            && DateTime.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var server))
            _offset = server.AddMilliseconds(500) - DateTime.UtcNow;
    }

    static long Ms(DateTime t) => new DateTimeOffset(t).ToUnixTimeMilliseconds();

    /// <summary>
    /// Takes the lease, waiting while another run holds it (reads only: no write is made until it has
    /// lapsed). <paramref name="waiting"/> is called when the holder is first seen, and again if it changes.
    /// </summary>
    /// <param name="holder">who this run is, in words, for the runs that wait for it.</param>
    public static async Task<Lease> Take(IAmazonDynamoDB ddb, string table, string job, string holder, Action<LeaseHolder> waiting, CancellationToken ct)
    {
        var lease = new Lease(ddb, table, job);
        var deadline = DateTime.UtcNow + MaxWait; // this host's own patience
        string? seen = null;
        while (true)
        {
            var current = (await ddb.GetItemAsync(new GetItemRequest { TableName = table, Key = lease._key, ConsistentRead = true }, ct)).Item;
            var until = current?.GetValueOrDefault("expires_ms")?.N is { } n ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(n, CultureInfo.InvariantCulture)).UtcDateTime : DateTime.MinValue;
            if (until <= lease.Now && await lease.TryPut(holder, ct))
                break;
            if (until > lease.Now)
            {
                var who = current?.GetValueOrDefault("holder")?.S ?? "another run";
                if (who != seen) waiting(new LeaseHolder(who, until)); // not again at each of its renewals
                seen = who;
                if (DateTime.UtcNow > deadline)
                    throw new LeaseBusy(job, MaxWait);
                var wait = until - lease.Now + TimeSpan.FromMilliseconds(50);
                await Task.Delay(wait < TimeSpan.FromMilliseconds(250) ? TimeSpan.FromMilliseconds(250) : wait > TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : wait, ct);
            }
        }
        lease._renewing = lease.KeepRenewing();
        return lease;
    }

    Item Expiring(DateTime from, Item item)
    {
        var until = from + Duration;
        item["expires_ms"] = new() { N = Ms(until).ToString(CultureInfo.InvariantCulture) };
        item[TtlAttribute] = new() { N = (Ms(until + TimeSpan.FromDays(1)) / 1000).ToString(CultureInfo.InvariantCulture) };
        return item;
    }

    async Task<bool> TryPut(string holder, CancellationToken ct)
    {
        var sent = Now;
        try
        {
            await _ddb.PutItemAsync(new PutItemRequest
            {
                TableName = _table,
                Item = Expiring(sent, new(_key) { ["owner"] = new() { S = Owner }, ["holder"] = new() { S = holder } }),
                ConditionExpression = "attribute_not_exists(pk) OR expires_ms < :now",
                ExpressionAttributeValues = new() { [":now"] = new() { N = Ms(sent).ToString(CultureInfo.InvariantCulture) } },
            }, ct);
            _validUntil = sent + Duration;
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false; // another run took it first
        }
    }

    /// <summary>
    /// Renews every <see cref="Renew"/>; a renewal that fails for throttling, a 5xx or the network is
    /// tried again with backoff, each try bounded by the time the lease has left. If none succeeds
    /// before <see cref="Margin"/> is left, or another run owns the lease, the lease is lost.
    /// </summary>
    async Task KeepRenewing()
    {
        try
        {
            while (true)
            {
                await Task.Delay(Renew, _stop.Token);
                for (var attempt = 0; ; attempt++)
                {
                    var left = _validUntil - Margin - Now;
                    if (left <= TimeSpan.Zero)
                    {
                        Lose(LeaseLoss.NotRenewed);
                        return;
                    }
                    using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    attemptCts.CancelAfter(left);
                    var sent = Now;
                    try
                    {
                        var update = Expiring(sent, []);
                        await _ddb.UpdateItemAsync(new UpdateItemRequest
                        {
                            TableName = _table, Key = _key,
                            UpdateExpression = "SET expires_ms = :t, #ttl = :ttl",
                            ConditionExpression = "#o = :me",
                            ExpressionAttributeNames = new() { ["#o"] = "owner", ["#ttl"] = TtlAttribute },
                            ExpressionAttributeValues = new() { [":t"] = update["expires_ms"], [":ttl"] = update[TtlAttribute], [":me"] = new() { S = Owner } },
                        }, attemptCts.Token);
                        _validUntil = sent + Duration;
                        break;
                    }
                    catch (ConditionalCheckFailedException)
                    {
                        Lose(LeaseLoss.Taken);
                        return;
                    }
                    catch (Exception) when (!_stop.IsCancellationRequested) // throttled, a 5xx, the network, no answer in time
                    {
                        await Retry.Backoff(Math.Min(attempt, 5), _stop.Token); // up to 1.6 s between tries
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
    }

    void Lose(LeaseLoss why)
    {
        _lostWhy = why;
        _lost.Cancel();
    }

    /// <summary>The reason, when <see cref="Lost"/> was cancelled: for the exception that stops the work.</summary>
    public LeaseLost? LostBecause => _lostWhy is { } why ? new LeaseLost(_job, why, Duration) : null;

    /// <summary>Stops renewing and releases the lease (if still held). Never throws: the run's own outcome stays the one reported.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _renewing; } catch (Exception) { }
        if (_lostWhy is null)
            try
            {
                // also on Ctrl-C: a short request of its own, not the cancelled token
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _ddb.DeleteItemAsync(new DeleteItemRequest
                {
                    TableName = _table, Key = _key,
                    ConditionExpression = "#o = :me",
                    ExpressionAttributeNames = new() { ["#o"] = "owner" },
                    ExpressionAttributeValues = new() { [":me"] = new() { S = Owner } },
                }, timeout.Token);
            }
            catch (Exception) { } // not released: it lapses by itself after Duration
        if (_ddb is Amazon.Runtime.AmazonServiceClient client) client.AfterResponseEvent -= Observe;
        _stop.Dispose();
        _lost.Dispose();
    }
}
