// How long a local request waits while DynamoDB Local has not answered the run yet.
using Amazon.Runtime;

namespace Cruddur.Ddb;

/// <summary>
/// Gives a request <paramref name="timeout"/> while no request of this process has been answered yet: a local
/// endpoint that accepts and never answers is said within seconds, while DynamoDB Local, once it has answered,
/// gets the client's whole timeout for a slow batch. Any reply counts, an error too.
/// </summary>
public sealed class FirstAnswer(TimeSpan timeout) : DelegatingHandler
{
    static volatile bool _came;

    /// <summary>Whether any request of this process was answered.</summary>
    public static bool Came => _came;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (_came) return await base.SendAsync(request, ct);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(timeout);
        try
        {
            var response = await base.SendAsync(request, wait.Token);
            _came = true;
            return response;
        }
        catch (OperationCanceledException e) when (wait.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TaskCanceledException($"no answer within {timeout.TotalSeconds:0} s", new TimeoutException(e.Message));
        }
    }
}

/// <summary>The SDK client's HTTP clients for DynamoDB Local: the context's, with <see cref="FirstAnswer"/>.</summary>
public sealed class LocalHttpClients(DdbContext ctx) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => ctx.CreateHttpClient();
}
