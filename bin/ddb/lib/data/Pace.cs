// Living within a table's capacity: the pace of writes, to the table's write capacity in prod (slower
// on throttling, faster while none).
using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

/// <summary>
/// How fast to write, in items a second: unlimited locally; in prod it starts at the table's write
/// capacity (one small item costs one write unit) and adapts, multiplying by 0.7 on throttling (at
/// most once per half second) and growing 2% with each batch written whole.
/// </summary>
public sealed class Pace(double itemsPerSecond)
{
    public const double OnDemandStart = 1000;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly object _lock = new();
    double _next, _lastCut = double.NegativeInfinity;

    public double Rate { get; private set; } = itemsPerSecond;
    public bool Unlimited => double.IsPositiveInfinity(Rate);

    public static Pace None => new(double.PositiveInfinity);

    /// <summary>Starts at the table's provisioned write capacity, or <see cref="OnDemandStart"/> for on-demand tables.</summary>
    public static Pace For(TableDescription table) =>
        table.BillingModeSummary?.BillingMode == BillingMode.PAY_PER_REQUEST || table.ProvisionedThroughput?.WriteCapacityUnits is not > 0
            ? new(OnDemandStart)
            : new(table.ProvisionedThroughput.WriteCapacityUnits.Value);

    /// <summary>Waits until <paramref name="items"/> more may be written.</summary>
    public Task Take(int items, CancellationToken ct)
    {
        if (Unlimited) return Task.CompletedTask;
        TimeSpan wait;
        lock (_lock)
        {
            var now = _clock.Elapsed.TotalSeconds;
            _next = Math.Max(_next, now);
            wait = TimeSpan.FromSeconds(_next - now);
            _next += items / Rate;
        }
        return wait > TimeSpan.Zero ? Task.Delay(wait, ct) : Task.CompletedTask;
    }

    public void Throttled()
    {
        if (Unlimited) return;
        lock (_lock)
        {
            var now = _clock.Elapsed.TotalSeconds;
            if (now - _lastCut < 0.5) return; // the other requests in flight met the same limit
            _lastCut = now;
            Rate = Math.Max(1, Rate * 0.7);
        }
    }

    public void Succeeded()
    {
        if (Unlimited) return;
        lock (_lock) Rate = Math.Min(40_000, Rate * 1.02);
    }
}
