// The conversation file seed writes: "Person 1: ..." / "Person 2: ..." lines, read as strict UTF-8.
using System.Text;

namespace Cruddur.Ddb;

/// <summary>The conversation file: "Person 1: ..." / "Person 2: ..." lines, blank lines and # comments.</summary>
public static class Conversation
{
    /// <summary>The name standard input goes by, as a conversation file.</summary>
    public const string StandardInput = "-";

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads the file (standard input for "-") as UTF-8, strictly: bytes that are not UTF-8 (a file saved as
    /// Latin-1, say) are refused with the line and column, never seeded as U+FFFD. A line of any other form
    /// than 'Person N: message' is an error naming it.
    /// </summary>
    public static List<Message> Read(string path)
    {
        byte[] bytes;
        var name = path == StandardInput ? "standard input" : path;
        if (path != StandardInput && Directory.Exists(path))
            throw new ConversationError(path, ConversationProblem.Folder);
        try
        {
            if (path == StandardInput)
            {
                using var stdin = new MemoryStream();
                Console.OpenStandardInput().CopyTo(stdin);
                bytes = stdin.ToArray();
            }
            else bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConversationError(name, ConversationProblem.Unreadable, found: e.Message);
        }
        var body = bytes.AsSpan(bytes.AsSpan().StartsWith("\xEF\xBB\xBF"u8) ? 3 : 0); // a byte order mark is UTF-8's own
        var lines = new List<string>();
        for (var start = 0; start <= body.Length;)
        {
            var end = body[start..].IndexOf((byte)'\n') is var n and >= 0 ? start + n : body.Length;
            var line = body[start..end];
            try
            {
                lines.Add(StrictUtf8.GetString(line).TrimEnd('\r'));
            }
            catch (DecoderFallbackException e)
            {
                var column = Encoding.UTF8.GetCharCount(line[..Math.Max(0, e.Index)]) + 1;
                throw new ConversationError(name, ConversationProblem.NotUtf8, lines.Count + 1, column, found: $"0x{line[Math.Max(0, e.Index)]:X2}");
            }
            start = end + 1;
        }
        var messages = new List<Message>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var speaker = line.StartsWith("Person 1:", StringComparison.Ordinal) ? 1
                : line.StartsWith("Person 2:", StringComparison.Ordinal) ? 2 : 0;
            var text = speaker == 0 ? "" : line["Person 1:".Length..].Trim();
            if (speaker == 0 || text.Length == 0)
                throw new ConversationError(name, ConversationProblem.BadLine, i + 1, found: line);
            messages.Add(new Message(speaker, text, i + 1));
        }
        if (messages.Count == 0)
            throw new ConversationError(name, ConversationProblem.NoMessages);
        return messages;
    }
}
