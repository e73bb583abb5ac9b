using System.Text;

namespace Sluice.Cli.Tests;

/// <summary>A string writer that completes <see cref="Seen"/> once a written line satisfies a condition (no polling, no sleeps).</summary>
public sealed class SignallingWriter(Func<string, bool> lineSeen) : StringWriter
{
    public SignallingWriter(string marker)
        : this(line => line.Contains(marker, StringComparison.Ordinal))
    {
    }

    private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _line = new();

    public Task Seen => _seen.Task;

    public override void Write(char value)
    {
        lock (_line)
        {
            base.Write(value);
            if (value != '\n')
            {
                _line.Append(value);
                return;
            }

            var line = _line.ToString();
            _line.Clear();
            if (lineSeen(line))
                _seen.TrySetResult();
        }
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? "")
            Write(c);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        for (var i = 0; i < count; i++)
            Write(buffer[index + i]);
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        Write(value);
        Write(NewLine);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync()
    {
        Write(NewLine);
        return Task.CompletedTask;
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write(NewLine);
    }

    public override string ToString()
    {
        lock (_line)
            return base.ToString();
    }
}
