// How far a stream reader got: the last sequence number handled in each shard, and the shards read
// to their end, kept in a small JSON file per table and endpoint under the user's cache directory.
using System.Text.Json;

namespace Cruddur.Ddb;

/// <summary>A checkpoint as loaded: <see cref="Stale"/> when the file was for another stream (the table
/// was created again), <see cref="Unreadable"/> (why) when the file could not be read.</summary>
public sealed record LoadedCheckpoint(Checkpoint Checkpoint, bool Stale, string? Unreadable);

public sealed class Checkpoint
{
    public string Stream { get; set; } = "";
    public Dictionary<string, string> Last { get; set; } = [];
    public HashSet<string> Finished { get; set; } = [];

    /// <summary>The checkpoint file of one table at one endpoint, under the user's cache directory.</summary>
    public static string PathFor(DdbContext ctx)
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var where = new string((ctx.Endpoint ?? ctx.Region).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return Path.Combine(cache, "cruddur-ddb", $"stream-{where}-{ctx.Table}.json");
    }

    /// <summary>The saved checkpoint for <paramref name="stream"/>; a fresh one when there is none, when it is
    /// for another stream, or when the file cannot be read (saying why).</summary>
    public static LoadedCheckpoint Load(string path, string stream)
    {
        var fresh = new Checkpoint { Stream = stream };
        if (!File.Exists(path)) return new(fresh, false, null);
        try
        {
            var saved = JsonSerializer.Deserialize<Checkpoint>(File.ReadAllText(path));
            if (saved is null) return new(fresh, false, "it is empty");
            return saved.Stream == stream ? new(saved, false, null) : new(fresh, true, null);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return new(fresh, false, e.Message);
        }
    }

    /// <summary>
    /// Writes the file whole or not at all: a temporary file of this writer's own, on disk before it is renamed
    /// over the checkpoint, so that two followers of one table save side by side (the last one's stays; both
    /// only move group rows forward) and a crash never leaves half a file.
    /// </summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                JsonSerializer.Serialize(file, this);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp); // gone already unless the write or the rename failed
        }
    }
}
