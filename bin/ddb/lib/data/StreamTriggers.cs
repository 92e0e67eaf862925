// The Lambda functions a table's stream triggers (Lambda's event source mappings), and whether each
// would be handed REMOVE records. The bootcamp's messaging Lambda reads the first record's NewImage,
// which a REMOVE lacks: a batch that starts with one fails, and with the trigger's default settings
// it is retried until its records expire (24 hours), holding up everything behind it. A reseed
// deletes the earlier run's rows, so seed asks this before it does (the SDK package for Lambda is not
// served here: one signed GET of Lambda's REST API, ListEventSourceMappings).
using System.Net;
using System.Text.Json;
using Amazon.Runtime;

namespace Cruddur.Ddb;

/// <summary>One trigger of a stream: its mapping's id, the function, its state, and whether REMOVE records reach it.</summary>
public sealed record StreamTrigger(string Uuid, string Function, string State, bool AdmitsRemove);

public static class StreamTriggers
{
    /// <summary>Every event source mapping of <paramref name="streamArn"/>, all pages (lambda:ListEventSourceMappings).</summary>
    public static async Task<List<StreamTrigger>> Of(DdbContext ctx, string streamArn, CancellationToken ct)
    {
        var endpoint = Endpoints.Lambda(ctx);
        using var http = ctx.CreateHttpClient();
        var credentials = ctx.CreateCredentials().GetCredentials();
        var (triggers, marker) = (new List<StreamTrigger>(), (string?)null);
        do
        {
            var query = $"EventSourceArn={Uri.EscapeDataString(streamArn)}" + (marker is null ? "" : $"&Marker={Uri.EscapeDataString(marker)}");
            var page = await Retry.Run(async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, $"2015-03-31/event-source-mappings/?{query}"));
                SigV4.Sign(request, new Dictionary<string, string>(), "", credentials, ctx.Region, "lambda", Clock.UtcNow);
                using var response = await http.SendAsync(request, token);
                var body = await response.Content.ReadAsStringAsync(token);
                if (response.StatusCode == HttpStatusCode.OK) return JsonDocument.Parse(body);
                var code = response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.First().Split(':')[0]
                    : (int)response.StatusCode == 403 ? "AccessDeniedException" : $"HTTP {(int)response.StatusCode}";
                string? message = null;
                try
                {
                    using var error = JsonDocument.Parse(body);
                    message = error.RootElement.TryGetProperty("Message", out var m) || error.RootElement.TryGetProperty("message", out m) ? m.GetString() : null;
                }
                catch (JsonException) { } // not JSON: the body itself says it
                throw new AmazonServiceException(message ?? body, null, (int)response.StatusCode >= 500 ? ErrorType.Receiver : ErrorType.Sender, code, null, response.StatusCode);
            }, Retry.For(ctx), ct);
            using (page)
            {
                foreach (var m in page.RootElement.TryGetProperty("EventSourceMappings", out var list) ? list.EnumerateArray() : default)
                    triggers.Add(new(m.GetProperty("UUID").GetString()!, m.TryGetProperty("FunctionArn", out var f) ? f.GetString()! : "?",
                        m.TryGetProperty("State", out var s) ? s.GetString()! : "?", AdmitsRemove(m)));
                marker = page.RootElement.TryGetProperty("NextMarker", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            }
        } while (marker is not null);
        return triggers;
    }

    /// <summary>
    /// Whether a mapping hands REMOVE records to its function: it has no filter, or one of its filters (a record
    /// passes if any matches) does not restrict eventName, or lets REMOVE through.
    /// </summary>
    public static bool AdmitsRemove(JsonElement mapping)
    {
        if (!mapping.TryGetProperty("FilterCriteria", out var criteria) || !criteria.TryGetProperty("Filters", out var filters)
            || filters.ValueKind != JsonValueKind.Array || filters.GetArrayLength() == 0)
            return true;
        foreach (var filter in filters.EnumerateArray())
        {
            using var pattern = JsonDocument.Parse(filter.GetProperty("Pattern").GetString() ?? "{}");
            if (!pattern.RootElement.TryGetProperty("eventName", out var names) || names.ValueKind != JsonValueKind.Array) return true;
            foreach (var name in names.EnumerateArray())
                if (name.ValueKind == JsonValueKind.String ? name.GetString() == "REMOVE"
                    : !(name.ValueKind == JsonValueKind.Object && name.TryGetProperty("anything-but", out var but)
                        && (but.ValueKind == JsonValueKind.String ? but.GetString() == "REMOVE" : but.EnumerateArray().Any(b => b.GetString() == "REMOVE"))))
                    return true; // REMOVE, or a matcher other than anything-but REMOVE: assume it can let REMOVE through
        }
        return false;
    }

    /// <summary>The one AWS CLI command that gives a trigger an INSERT-only filter (the Lambda then sees new messages only).</summary>
    public static string InsertOnlyCommand(DdbContext ctx, string uuid) =>
        $"aws lambda update-event-source-mapping --uuid {uuid} --region {ctx.Region} {MessagesTable.InsertOnlyFilter}";
}
