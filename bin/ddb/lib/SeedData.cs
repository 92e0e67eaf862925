// The data of the messages table: Cruddur users, the sample conversation, and the items the app reads.
//   message group row (one per participant): pk GRP#<owner uuid>, sk <last message time>,
//     message_group_uuid, message (last text), user_uuid/user_display_name/user_handle of the OTHER user;
//   message row: pk MSG#<message group uuid>, sk <created time>, message_uuid, message, sender's
//     user_uuid/user_display_name/user_handle, and NO message_group_uuid (the index holds group rows only).
// Times are ISO 8601 in UTC with offset, like Python's isoformat(), so they sort as strings.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2.Model;
using Npgsql;

namespace Cruddur.Ddb;

public sealed record User(string Uuid, string DisplayName, string Handle);

/// <summary>One line of the conversation file: who speaks, what, and the line number (for errors).</summary>
public sealed record Message(int Speaker, string Text, int Line = 0);

public static class SeedData
{
    /// <summary>The two users of the sample conversation when no Postgres is configured.</summary>
    public static readonly User Me = new("9b3c5e0e-6a49-4e0f-9e36-2f1f4d0b7a11", "Andrew Brown", "andrewbrown");
    public static readonly User Other = new("c7f2a8d4-1b3e-4f6a-8d2c-5e9b0a4f3c22", "Andrew Bayko", "bayko");

    public const string ConversationFile = "conversation.txt";

    // ---- times ------------------------------------------------------------------------------

    /// <summary>ISO 8601 with microseconds and offset, as Python's datetime.isoformat() writes UTC times.</summary>
    public static string Iso(DateTime utc) =>
        utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Times of <paramref name="count"/> messages one minute apart, the last at <paramref name="now"/>,
    /// squeezed so that all fall in the current year (the app queries begins_with(sk, year)).
    /// </summary>
    public static DateTime[] MessageTimes(int count, DateTime now)
    {
        var yearStart = new DateTime(now.Year, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var step = TimeSpan.FromMinutes(1);
        if (count > 1 && now - step * (count - 1) < yearStart)
            step = (now - yearStart) / count;
        return Enumerable.Range(0, count).Select(i => now - step * (count - 1 - i)).ToArray();
    }

    // ---- ids --------------------------------------------------------------------------------

    static readonly Guid Namespace = new("6f1d3c2e-8a4b-5c6d-9e0f-1a2b3c4d5e6f");

    /// <summary>A name-based (version 5) UUID: the same name gives the same uuid on every run.</summary>
    public static string Uuid5(string name)
    {
        var bytes = Namespace.ToByteArray(bigEndian: true).Concat(Encoding.UTF8.GetBytes(name)).ToArray();
        var hash = SHA1.HashData(bytes).AsSpan(0, 16).ToArray();
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash, bigEndian: true).ToString();
    }

    /// <summary>The message group of two users: the same pair always gives the same group.</summary>
    public static string GroupUuid(User a, User b) =>
        Uuid5("message-group:" + string.Join(":", new[] { a.Uuid, b.Uuid }.Order(StringComparer.Ordinal)));

    // ---- the conversation file --------------------------------------------------------------

    /// <summary>--conversation FILE, by default conversation.txt next to the scripts.</summary>
    public static System.CommandLine.Option<string> ConversationOption() => new("--conversation")
    {
        Description = "the conversation file ('Person 1: ...' / 'Person 2: ...' lines)",
        DefaultValueFactory = _ => Path.Combine(Cli.ScriptDir, ConversationFile),
    };

    /// <summary>Reads "Person 1: ..." / "Person 2: ..." lines; any other line is an error naming it.</summary>
    public static List<Message> ReadConversation(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"cannot read the conversation file {path}: {e.Message}");
        }
        var messages = new List<Message>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var speaker = line.StartsWith("Person 1:", StringComparison.Ordinal) ? 1
                : line.StartsWith("Person 2:", StringComparison.Ordinal) ? 2 : 0;
            var text = speaker == 0 ? "" : line["Person 1:".Length..].Trim();
            if (speaker == 0 || text.Length == 0)
                throw new UserError($"{path}:{i + 1}: expected 'Person 1: <message>' or 'Person 2: <message>', found '{Output.Clip(line, 40)}'");
            messages.Add(new Message(speaker, text, i + 1));
        }
        if (messages.Count == 0)
            throw new UserError($"{path}: no messages (expected 'Person 1: ...' / 'Person 2: ...' lines)");
        return messages;
    }

    // ---- items ------------------------------------------------------------------------------

    /// <summary>DynamoDB's limit on one item: 400 KB, names and values together.</summary>
    public const int MaxItemBytes = 400 * 1024;

    /// <summary>An item's size as DynamoDB counts it for strings and numbers: UTF-8 bytes of every name and value.</summary>
    public static int ItemSize(Dictionary<string, AttributeValue> item) =>
        item.Sum(kv => Encoding.UTF8.GetByteCount(kv.Key) + (kv.Value.S is { } s ? Encoding.UTF8.GetByteCount(s) : kv.Value.N?.Length ?? 1));

    /// <summary>
    /// Refuses, before anything is written, a conversation whose items DynamoDB would reject, naming
    /// the line: the message rows are the first <paramref name="messages"/>.Count items, in order.
    /// </summary>
    public static void CheckSizes(IReadOnlyList<Dictionary<string, AttributeValue>> items, IReadOnlyList<Message> messages, string path)
    {
        for (var i = 0; i < items.Count; i++)
        {
            var size = ItemSize(items[i]);
            if (size <= MaxItemBytes) continue;
            var line = i < messages.Count ? messages[i].Line : messages[^1].Line; // a group row repeats the last message
            throw new UserError($"{path}:{line}: this message makes an item of {size / 1024.0:0.#} KB and DynamoDB takes at most 400 KB "
                + "an item; nothing written");
        }
    }

    static AttributeValue S(string s) => new() { S = s };

    public static Dictionary<string, AttributeValue> GroupRow(User owner, User other, string group, string lastMessage, string lastSk) => new()
    {
        ["pk"] = S("GRP#" + owner.Uuid),
        ["sk"] = S(lastSk),
        ["message_group_uuid"] = S(group),
        ["message"] = S(lastMessage),
        ["user_uuid"] = S(other.Uuid),
        ["user_display_name"] = S(other.DisplayName),
        ["user_handle"] = S(other.Handle),
    };

    public static Dictionary<string, AttributeValue> MessageRow(User sender, string group, string messageUuid, string text, string sk) => new()
    {
        ["pk"] = S("MSG#" + group),
        ["sk"] = S(sk),
        ["message_uuid"] = S(messageUuid),
        ["message"] = S(text),
        ["user_uuid"] = S(sender.Uuid),
        ["user_display_name"] = S(sender.DisplayName),
        ["user_handle"] = S(sender.Handle),
    };

    /// <summary>All rows of one conversation: one message row per message, then the two group rows.</summary>
    public static IEnumerable<Dictionary<string, AttributeValue>> Conversation(
        User me, User other, string group, IReadOnlyList<Message> messages, IReadOnlyList<DateTime> times)
    {
        for (var i = 0; i < messages.Count; i++)
            yield return MessageRow(messages[i].Speaker == 1 ? me : other, group, Uuid5($"{group}:{i}"), messages[i].Text, Iso(times[i]));
        var (last, lastSk) = (messages[^1].Text, Iso(times[^1]));
        yield return GroupRow(me, other, group, last, lastSk);
        yield return GroupRow(other, me, group, last, lastSk);
    }

    /// <summary>The generated user that owns every synthetic conversation (for pagination tests of list-conversations).</summary>
    public static readonly User LoadTestOwner = new(Uuid5("user:loadtest"), "Load Test", "loadtest");

    /// <summary>
    /// <paramref name="groups"/> synthetic conversations of <paramref name="messages"/> messages between
    /// LoadTestOwner and loadtest-N. Deterministic: the same arguments give the same keys in the same year.
    /// Streamed, never held in memory.
    /// </summary>
    public static IEnumerable<Dictionary<string, AttributeValue>> Synthetic(int groups, int messages, int year)
    {
        var start = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var g = 0; g < groups; g++)
        {
            var other = new User(Uuid5($"user:loadtest-{g}"), $"Load Test {g}", $"loadtest-{g}");
            var group = Uuid5($"synthetic:{g}:{messages}");
            // Seconds apart, plus g milliseconds so that the owner's group rows have distinct sort keys.
            DateTime At(int j) => start.AddSeconds(j).AddMilliseconds(g);
            for (var j = 0; j < messages; j++)
                yield return MessageRow(j % 2 == 0 ? LoadTestOwner : other, group, Uuid5($"{group}:{j}"),
                    $"synthetic message {j + 1} of {messages} in conversation {g + 1}", Iso(At(j)));
            var lastSk = Iso(At(messages - 1));
            var last = $"synthetic message {messages} of {messages} in conversation {g + 1}";
            yield return GroupRow(LoadTestOwner, other, group, last, lastSk);
            yield return GroupRow(other, LoadTestOwner, group, last, lastSk);
        }
    }

    // ---- users ------------------------------------------------------------------------------

    /// <summary>Which Postgres holds the app's users: CONNECTION_URL, or PROD_CONNECTION_URL with prod.</summary>
    public static (string Name, string? Url) PostgresUrl(bool prod)
    {
        var name = prod ? "PROD_CONNECTION_URL" : "CONNECTION_URL";
        return (name, Environment.GetEnvironmentVariable(name) is { Length: > 0 } url ? url : null);
    }

    /// <summary>
    /// The users with these handles, from the app's Postgres users table when a URL is set, otherwise
    /// the built-in users (any other handle then needs its uuid given, <paramref name="uuids"/>).
    /// </summary>
    public static async Task<User[]> Users(bool prod, IReadOnlyList<string> handles, IReadOnlyList<string?> uuids, CancellationToken ct)
    {
        var (variable, url) = PostgresUrl(prod);
        if (url is null)
        {
            var users = handles.Select((h, i) => uuids[i] is { } u ? new User(CheckUuid(u), Builtin(h)?.DisplayName ?? h, h)
                : Builtin(h) ?? throw Cli.Usage($"no {variable} to look up '{h}': set it, or give the uuid (--my-uuid/--other-uuid)")).ToArray();
            Console.Error.WriteLine($"users: no {variable}, using " + string.Join(", ", users.Select(u => $"{u.Handle} {u.Uuid}")));
            return users;
        }
        var found = await Lookup(url, variable, handles, ct);
        return handles.Select((h, i) => uuids[i] is { } u ? found[h] with { Uuid = CheckUuid(u) } : found[h]).ToArray();
    }

    static User? Builtin(string handle) => handle == Me.Handle ? Me : handle == Other.Handle ? Other : null;

    public static string CheckUuid(string uuid) =>
        Guid.TryParse(uuid, out var g) ? g.ToString() : throw Cli.Usage($"'{uuid}' is not a uuid");

    static async Task<Dictionary<string, User>> Lookup(string url, string variable, IReadOnlyList<string> handles, CancellationToken ct)
    {
        var cs = ConnectionString(url, variable);
        var where = $"Postgres {cs.Host}:{cs.Port}/{cs.Database} ({variable})";
        var users = new Dictionary<string, User>();
        try
        {
            await using var conn = new NpgsqlConnection(cs.ConnectionString);
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand(
                "SELECT uuid::text, display_name, handle FROM public.users WHERE handle = ANY(@handles)", conn);
            cmd.Parameters.AddWithValue("handles", handles.Distinct().ToArray());
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                users[reader.GetString(2)] = new User(reader.GetString(0), reader.IsDBNull(1) ? reader.GetString(2) : reader.GetString(1), reader.GetString(2));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            throw new UserError($"{where} has no users table: load the app's schema first (./bin/db/setup)");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new UserError($"cannot query {where}: {e.Message}");
        }
        var missing = handles.Where(h => !users.ContainsKey(h)).ToArray();
        if (missing.Length > 0)
            throw new UserError($"no user with handle {string.Join(", ", missing.Select(h => $"'{h}'"))} in {where}");
        Console.Error.WriteLine($"users: from {where}: " + string.Join(", ", handles.Select(h => $"{h} {users[h].Uuid}")));
        return users;
    }

    /// <summary>Accepts the app's URL form (postgresql://user:pass@host:port/db?sslmode=...) or an Npgsql connection string.</summary>
    public static NpgsqlConnectionStringBuilder ConnectionString(string url, string variable = "CONNECTION_URL")
    {
        try
        {
            if (!url.Contains("://", StringComparison.Ordinal))
                return new NpgsqlConnectionStringBuilder(url) { Timeout = 5 };
            var u = new Uri(url);
            if (u.Scheme is not ("postgres" or "postgresql"))
                throw new FormatException($"scheme {u.Scheme}");
            var info = u.UserInfo.Split(':', 2);
            var b = new NpgsqlConnectionStringBuilder
            {
                Host = u.Host,
                Port = u.Port > 0 ? u.Port : 5432,
                Database = Uri.UnescapeDataString(u.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
                Username = info[0].Length > 0 ? Uri.UnescapeDataString(info[0]) : null,
                Password = info.Length > 1 ? Uri.UnescapeDataString(info[1]) : null,
                Timeout = 5,
            };
            foreach (var pair in u.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                if (kv[0] == "sslmode" && kv.Length == 2)
                    b.SslMode = Enum.Parse<SslMode>(kv[1].Replace("-", ""), ignoreCase: true);
            }
            return b;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or UriFormatException)
        {
            throw new UserError($"{variable} is not a Postgres URL (postgresql://user:password@host:5432/cruddur)");
        }
    }
}
