using System.Diagnostics;

namespace Cruddur.Ddb.Tests;

/// <summary>The lines a running process writes to one of its streams, read as they come, so that a test
/// waits for what it observes (a line) instead of sleeping.</summary>
public sealed class Watched
{
    readonly List<string> _lines = [];
    readonly Task _reading;

    public Watched(StreamReader reader) => _reading = Task.Run(async () =>
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (_lines) _lines.Add(line);
    });

    /// <summary>Waits until a line contains <paramref name="text"/>; false if none did in time.</summary>
    public async Task<bool> WaitFor(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            lock (_lines)
                if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal))) return true;
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>What was written so far.</summary>
    public string SoFar { get { lock (_lines) return string.Join('\n', _lines); } }

    /// <summary>Everything written, once the stream has closed.</summary>
    public async Task<string> All()
    {
        await _reading;
        lock (_lines) return string.Join('\n', _lines);
    }

    /// <summary>The processes whose parent is <paramref name="pid"/> (from /proc).</summary>
    public static List<int> Children(int pid) => Directory.GetDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), out var p) ? p : 0).Where(p => p > 0)
        .Where(p => { try { return File.ReadAllText($"/proc/{p}/stat").Split(") ")[1].Split(' ')[1] == pid.ToString(); } catch (IOException) { return false; } })
        .ToList();
}
