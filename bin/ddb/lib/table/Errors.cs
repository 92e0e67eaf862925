// Failures of the table and its items, with their data: the scripts and Failure word them.
namespace Cruddur.Ddb;

/// <summary>How a table differs from what the scripts' reads and writes need.</summary>
public enum ShapeMismatch
{
    /// <summary>Its own keys (names, kinds and types) are not pk and sk, strings.</summary>
    Keys,
    /// <summary>It has no index message-group-sk-index.</summary>
    NoIndex,
    /// <summary>That index's keys are not message_group_uuid and sk.</summary>
    IndexKeys,
}

/// <summary>The table lacks the keys or the index (<see cref="Index"/>) the scripts use: <see cref="Found"/> on it
/// where <see cref="Expected"/> was needed (key schemas as "pk HASH, sk RANGE", types as "pk S, sk S").</summary>
public sealed class NotShaped(string table, ShapeMismatch mismatch, string found = "", string expected = "", string index = "")
    : Exception($"table {table} is not shaped like cruddur-messages: {mismatch} {found}")
{
    public string Table { get; } = table;
    public ShapeMismatch Mismatch { get; } = mismatch;
    public string Found { get; } = found;
    public string Expected { get; } = expected;
    public string Index { get; } = index;
}

/// <summary>The table's stream is off.</summary>
public sealed class NoStream(string table) : Exception($"table {table} has no stream turned on")
{
    public string Table { get; } = table;
}

/// <summary>Writing had begun when this failed: the table holds part of what was meant.</summary>
public sealed class IncompleteWrite(long done, long total, Exception inner) : Exception(inner.Message, inner)
{
    public long Done { get; } = done;
    public long Total { get; } = total;
}

/// <summary>What is wrong with a conversation file.</summary>
public enum ConversationProblem { Folder, Unreadable, NotUtf8, BadLine, NoMessages, TooLarge }

/// <summary>
/// A conversation file that cannot be seeded, found before anything is written: the file as named to the
/// user, the problem, where (line and column, 0 when it is the whole file), the size in bytes of the item
/// a message makes (TooLarge) and what was found there (the system's reason, the byte, the line).
/// </summary>
public sealed class ConversationError(string file, ConversationProblem problem, int line = 0, int column = 0, long size = 0, string found = "")
    : Exception($"{file}:{line}:{column}: {problem} {found}")
{
    public string File { get; } = file;
    public ConversationProblem Problem { get; } = problem;
    public int Line { get; } = line;
    public int Column { get; } = column;
    public long Size { get; } = size;
    public string Found { get; } = found;
}
