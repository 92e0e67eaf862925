using System.Net;

namespace Cruddur.Ddb.Tests;

/// <summary>An HTTP server that is not DynamoDB (a web app left running on the port): every request gets an HTML page.</summary>
public sealed class OtherServer(int status) : LoopbackServer
{
    public int Port => new Uri(Endpoint).Port;

    protected override Task Handle(HttpListenerContext ctx) =>
        Reply(ctx, status, "text/html", "<html><body>Not DynamoDB</body></html>");
}
