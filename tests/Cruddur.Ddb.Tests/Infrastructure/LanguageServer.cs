using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// A language server driven over LSP (JSON-RPC on its standard input and output), as an editor drives
/// it: requests with answers, notifications, and the server's own requests answered with nothing.
/// </summary>
public sealed class LanguageServer : IDisposable
{
    readonly Process _process;
    readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    readonly StringBuilder _log = new();
    int _id;

    public LanguageServer(string command, string workingDirectory, IReadOnlyDictionary<string, string?> env)
    {
        var psi = Scripts.Command(command, [], env, workingDirectory);
        (psi.RedirectStandardInput, psi.RedirectStandardOutput, psi.RedirectStandardError) = (true, true, true);
        _process = Process.Start(psi)!;
        _ = Task.Run(Read);
        _ = Task.Run(async () => { while (await _process.StandardError.ReadLineAsync() is { } l) lock (_log) _log.AppendLine(l); });
    }

    /// <summary>What the server wrote on stderr, for failure messages.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    async Task Read()
    {
        var stream = _process.StandardOutput.BaseStream;
        while (true)
        {
            var length = 0;
            string? header;
            while ((header = await ReadLine(stream)) is { Length: > 0 })
                if (header.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(header[15..].Trim());
            if (header is null) return;
            var body = new byte[length];
            await stream.ReadExactlyAsync(body);
            var message = JsonNode.Parse(body)!.AsObject();
            if (message["method"] is not null && message["id"] is { } serverId)
                Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = serverId.DeepClone(), ["result"] = null }); // a request of the server's
            else if (message["id"]?.GetValue<int>() is { } id && _pending.TryRemove(id, out var answer))
                answer.SetResult(message["error"] is { } error ? throw new InvalidOperationException(error.ToJsonString()) : message["result"]);
        }
    }

    static async Task<string?> ReadLine(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1)
        {
            if (one[0] == '\n') return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
            bytes.Add(one[0]);
        }
        return null;
    }

    void Send(JsonObject message)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        lock (_process)
        {
            var stdin = _process.StandardInput.BaseStream;
            stdin.Write(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"));
            stdin.Write(body);
            stdin.Flush();
        }
    }

    public async Task<JsonNode?> Request(string method, JsonObject parameters, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _id);
        var answer = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
        return await answer.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    public void Notify(string method, JsonObject parameters) =>
        Send(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters });

    public void Dispose()
    {
        try { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
