using System.CommandLine;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice serve</c>: runs the server in the foreground until Ctrl+C / SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("serve", "Run the Sluice server in the foreground until Ctrl+C.");
        command.SetAction((parseResult, ct) => context.FailAsync("serve is not available yet"));
        return command;
    }
}
