// Standard output as the shell set it up: write(2) on file descriptor 1, at the shared file offset,
// with a reader that went away (EPIPE) raised as ReaderGone, the scripts' one quiet exit.
using System.Runtime.InteropServices;

namespace Cruddur.Ddb;

public static class Stdout
{
    /// <summary>
    /// Standard output written with write(2) on file descriptor 1. .NET's console stream ignores EPIPE,
    /// so `scan | head -1` would read the whole table into a closed pipe, and a FileStream keeps an
    /// offset of its own, so `(scan; scan) > f` would overwrite: this one writes where the shell's
    /// descriptor points (appending after what others wrote) and throws <see cref="ReaderGone"/> when
    /// the reader has gone away, which Cli.Run turns into a quiet exit 0.
    /// </summary>
    public static Stream Open() => new StdoutStream();

}

/// <summary>File descriptor 1 through write(2): the shared file offset, EPIPE as <see cref="ReaderGone"/>.</summary>
sealed class StdoutStream : Stream
{
    const int EINTR = 4, EAGAIN = 11, EPIPE = 32;

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    static extern nint Write(int fd, ref byte buffer, nint count);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var n = Write(1, ref MemoryMarshal.GetReference(buffer), buffer.Length);
            if (n >= 0)
            {
                buffer = buffer[(int)n..];
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EPIPE) throw new ReaderGone();
            if (errno == EAGAIN) Thread.Sleep(1); // a non-blocking descriptor that is full: wait for the reader
            else if (errno != EINTR)
                throw new IOException($"cannot write to standard output: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void WriteByte(byte value) => Write([value]);
    public override void Flush() { }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>The reader of standard output went away (`| head` closed the pipe): nothing is left to say.
/// Raised only by the scripts' own standard output (Stdout.Open), never by a network connection.</summary>
public sealed class ReaderGone() : IOException("the reader of standard output went away");
