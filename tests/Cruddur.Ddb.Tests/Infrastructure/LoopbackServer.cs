using System.Net;
using System.Text;

namespace Cruddur.Ddb.Tests;

/// <summary>An HTTP server on a free loopback port that hands each request to <see cref="Handle"/> (test stand-ins and proxies).</summary>
public abstract class LoopbackServer : IDisposable
{
    readonly HttpListener _listener = new();

    public string Endpoint { get; }

    protected LoopbackServer()
    {
        Endpoint = $"http://127.0.0.1:{Repo.FreePort()}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _ = Task.Run(Loop);
    }

    async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => Handle(ctx));
        }
    }

    protected abstract Task Handle(HttpListenerContext ctx);

    /// <summary>Stops listening (connections are refused, as when the endpoint goes away) until <see cref="Resume"/>.</summary>
    public virtual void Pause() => _listener.Stop();

    public virtual void Resume()
    {
        _listener.Start();
        _ = Task.Run(Loop);
    }

    protected static async Task Reply(HttpListenerContext ctx, int status, string type, string body, params (string Name, string Value)[] headers)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        ctx.Response.StatusCode = status;
        ctx.Response.KeepAlive = false; // no connection outlives its request, so that Pause refuses every later one at once
        ctx.Response.ContentType = type;
        foreach (var (k, v) in headers) ctx.Response.Headers[k] = v;
        ctx.Response.ContentLength64 = bytes.Length;
        await ctx.Response.OutputStream.WriteAsync(bytes);
        ctx.Response.Close();
    }

    public virtual void Dispose()
    {
        // Close alone: after Stop, Close removes the prefixes again, and the managed listener binds the
        // port anew to do so, which fails when another process took the freed port meanwhile
        try { _listener.Close(); }
        catch (HttpListenerException) { } // paused: the port was released by Stop, and may be another's now
    }
}
