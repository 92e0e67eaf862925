// The items of the messages table, as the Cruddur app reads and writes them:
//   message group row (one per participant): pk GRP#<owner uuid>, sk <last message time>,
//     message_group_uuid, message (last text), user_uuid/user_display_name/user_handle of the OTHER user;
//   message row: pk MSG#<message group uuid>, sk <created time>, message_uuid, message, sender's
//     user_uuid/user_display_name/user_handle, and NO message_group_uuid (the index holds group rows only).
// Times are ISO 8601 in UTC with offset, like Python's isoformat(), so they sort as strings.
// Also synthetic conversations for load tests.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

/// <summary>A Cruddur user as items name one: uuid, display name, handle.</summary>
public sealed record User(string Uuid, string DisplayName, string Handle);

/// <summary>One line of the conversation file: who speaks (1 or 2), what, and the line number (for errors).</summary>
public sealed record Message(int Speaker, string Text, int Line = 0);

public static class Items
{
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

    /// <summary>An item's sort key as local time, like the bootcamp's %Y-%m-%d %I:%M %p; "" when it is not a time.</summary>
    public static string LocalTime(Item item) =>
        item.GetValueOrDefault("sk")?.S is { } sk && DateTime.TryParse(sk, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var utc)
            ? utc.ToLocalTime().ToString("yyyy-MM-dd hh:mm tt", CultureInfo.InvariantCulture)
            : "";

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

    /// <summary>The uuid in its canonical form, or null when <paramref name="text"/> is not a uuid.</summary>
    public static string? Uuid(string text) => Guid.TryParse(text, out var g) ? g.ToString() : null;

    // ---- rows -------------------------------------------------------------------------------

    /// <summary>The index the app's messaging Lambda queries by message_group_uuid: it holds the group rows only.</summary>
    public const string GroupIndex = "message-group-sk-index";

    /// <summary>The attribute naming the seed run that wrote a row (the run's id); rows the app, the stream
    /// or the Lambda wrote never carry it, so a later seed run can tell its own rows from theirs.</summary>
    public const string SeededBy = "seeded_by";

    /// <summary>DynamoDB's limit on one item: 400 KB, names and values together.</summary>
    public const int MaxItemBytes = 400 * 1024;

    /// <summary>An item's size as DynamoDB counts it for strings and numbers: UTF-8 bytes of every name and value.</summary>
    public static int Size(Item item) =>
        item.Sum(kv => Encoding.UTF8.GetByteCount(kv.Key) + (kv.Value.S is { } s ? Encoding.UTF8.GetByteCount(s) : kv.Value.N?.Length ?? 1));

    /// <summary>The length of a seed run's id in <see cref="SeededBy"/>: a Guid's 32 hex digits (Lease.Owner).</summary>
    public const int RunIdLength = 32;

    /// <summary>
    /// Refuses, before anything is written, a conversation whose items DynamoDB would reject, naming
    /// the line: the message rows are the first <paramref name="messages"/>.Count items, in order. Each is
    /// measured as it is written, with the run's <see cref="SeededBy"/> mark.
    /// </summary>
    public static void CheckSizes(IReadOnlyList<Item> items, IReadOnlyList<Message> messages, string path)
    {
        for (var i = 0; i < items.Count; i++)
        {
            var size = Size(new Item(items[i]) { [SeededBy] = S(new string('0', RunIdLength)) });
            if (size <= MaxItemBytes) continue;
            var line = i < messages.Count ? messages[i].Line : messages[^1].Line; // a group row repeats the last message
            throw new ConversationError(path, ConversationProblem.TooLarge, line, size: size);
        }
    }

    static AttributeValue S(string s) => new() { S = s };

    /// <summary>A row of either kind: its keys, its own id, a message, and a user (the sender, or the other participant).</summary>
    static Item Row(string pk, string sk, string idName, string id, string message, User user) => new()
    {
        ["pk"] = S(pk), ["sk"] = S(sk), [idName] = S(id), ["message"] = S(message),
        ["user_uuid"] = S(user.Uuid), ["user_display_name"] = S(user.DisplayName), ["user_handle"] = S(user.Handle),
    };

    public static Item GroupRow(User owner, User other, string group, string lastMessage, string lastSk) =>
        Row("GRP#" + owner.Uuid, lastSk, "message_group_uuid", group, lastMessage, other);

    public static Item MessageRow(User sender, string group, string messageUuid, string text, string sk) =>
        Row("MSG#" + group, sk, "message_uuid", messageUuid, text, sender);

    /// <summary>The delete of a group row on condition that it is still there, as the same group's row.</summary>
    public static Delete DeleteGroupRow(string table, Item row) => new()
    {
        TableName = table, Key = new() { ["pk"] = row["pk"], ["sk"] = row["sk"] },
        ConditionExpression = "message_group_uuid = :g", ExpressionAttributeValues = new() { [":g"] = row["message_group_uuid"] },
    };

    /// <summary><see cref="DeleteGroupRow"/> as a request of its own: a stray second row of a participant and group removed.</summary>
    public static DeleteItemRequest DeleteStray(string table, Item row)
    {
        var delete = DeleteGroupRow(table, row);
        return new() { TableName = table, Key = delete.Key, ConditionExpression = delete.ConditionExpression, ExpressionAttributeValues = delete.ExpressionAttributeValues };
    }

    /// <summary>
    /// A group row moved to a newer last message, as the app's messaging Lambda moves it, in one transaction:
    /// <paramref name="row"/> deleted on condition that nobody changed it since it was read, and
    /// <paramref name="newer"/> put on condition that its key is free. Never half done, never over another writer.
    /// </summary>
    public static TransactWriteItemsRequest MoveGroupRow(string table, Item row, Item newer) => new()
    {
        TransactItems =
        [
            new() { Delete = DeleteGroupRow(table, row) },
            new() { Put = new Put { TableName = table, Item = newer, ConditionExpression = "attribute_not_exists(pk)" } },
        ],
    };

    /// <summary>All rows of one conversation: one message row per message, then the two group rows.</summary>
    public static IEnumerable<Item> Conversation(User me, User other, string group, IReadOnlyList<Message> messages, IReadOnlyList<DateTime> times)
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
    public static IEnumerable<Item> Synthetic(int groups, int messages, int year)
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
}
